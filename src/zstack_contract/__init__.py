"""zstack-contract: executable contracts derived from ZStack REST API reference pages.

Data flows one way: reference page -> page model (``page``) -> schemas (``schema_builder``)
-> compiled validators -> checks -> findings -> reports.
"""

__version__ = "0.1.0"
