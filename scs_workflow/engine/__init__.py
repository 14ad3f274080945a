"""The decision engine: the pathway machine replayed over the case (:mod:`.pathway`, the only user of
``transitions``), the gates and their explained outcome (:mod:`.decision`), and the one edit runner
(:mod:`.findings`) with the coding and authorization checks (:mod:`.coding`, :mod:`.reconcile`) that
``decide`` and ``check-claim`` share.

Depends on :mod:`scs_workflow.policy` and :mod:`scs_workflow.model`; the claims layer, the store and the
interfaces are built on it, never the other way round.
"""
