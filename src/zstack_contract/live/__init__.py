"""The live room: talking to a target as the protocol says (:mod:`.client`), the run's session and
a test's view of it (:mod:`.session`), and writing what went over the wire (:mod:`.recorder`)."""
