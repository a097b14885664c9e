"""An embedded ZStack management node: real HTTP on loopback, faithful to how a node speaks REST
(see the protocol facts), with named faults that break the contract on purpose.

    with Simulator(faults=("drop-uuid",)) as sim:
        requests.put(f"{sim.base_url}/v1/accounts/login", ...)
"""

from .app import SIMULATOR_HEADER
from .faults import FAULTS
from .server import DEFAULT_ACCOUNT, DEFAULT_PASSWORD, RecordedRequest, Simulator

__all__ = ["SIMULATOR_HEADER", "FAULTS", "Simulator", "RecordedRequest", "DEFAULT_ACCOUNT", "DEFAULT_PASSWORD"]
