"""What changed in the API between two contracts (``zstack-contract diff OLD NEW``): data flows
contract -> diff -> its writers. :mod:`.sides` reads each side (a shipped release, a folder of
schema files, of pages or of doc sources) into a ContractSet; :mod:`.compare` lists the changes of
each API, each of a kind of :mod:`.kinds` (the one table of kinds, their default severity and
words); :mod:`.levels` reads a team's ``--levels`` file (a kind's severity raised or lowered, a
change accepted by id); :mod:`.writers` writes the terminal list, Markdown, JSON and JUnit."""
