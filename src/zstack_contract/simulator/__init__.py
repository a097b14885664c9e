"""An embedded ZStack management node: real HTTP on loopback, faithful to how a node speaks REST
(see the protocol facts), serving the session, the VM family and every API whose schemas it is
given, with named faults that break the contract on purpose.

    with Simulator(faults=("drop-uuid",), schemas="schemas") as sim:
        requests.put(f"{sim.base_url}/v1/accounts/login", ...)

Its rooms: the HTTP layer (:mod:`.http`, Tomcat's connector, with :mod:`.connections`), the REST
layer (:mod:`.servlet`, with :mod:`.gson` and :mod:`.java` for the Java-isms a node lets through),
the APIs served (:mod:`.apis`), what every API does (:mod:`.generic`), the hand-written session
and VM family (:mod:`.vms`), queries (:mod:`.query`), the node's memory (:mod:`.state`, seeded by
:mod:`.seed` or a ``--data`` file, :mod:`.datafile`), rendering (:mod:`.render`), answers from
page samples (:mod:`.samples`) and the faults (:mod:`.faults`; the APIs each can reach,
:mod:`.fault_reach`).
"""

from .faults import FAULTS
from .server import DEFAULT_ACCOUNT, DEFAULT_PASSWORD, RecordedRequest, Simulator
from .servlet import SIMULATOR_HEADER

__all__ = ["SIMULATOR_HEADER", "FAULTS", "Simulator", "RecordedRequest", "DEFAULT_ACCOUNT", "DEFAULT_PASSWORD"]
