"""The probing room: Hypothesis strategies for request bodies derived from each API's request
schema (:mod:`.strategies`), the prober that sends them and reports a break (:mod:`.prober`),
and the Hypothesis profiles of the suite (:mod:`.profiles`)."""
