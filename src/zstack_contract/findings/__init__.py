"""The findings room: what happens to findings once the checks made them. A run collects them with
drift and coverage (:mod:`.validation`, :mod:`.tally`), over several processes if asked
(:mod:`.parallel`), and judges them against the baseline of known deviations (:mod:`.baseline`)."""
