"""The pytest plugin: every option, marker and fixture of zstack-contract is registered here."""
