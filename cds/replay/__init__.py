"""Replaying fixture bundles through the service (``cds-triage replay``) and golden cards.

Modules: ``fhir_query`` (reads and searches over a bundle, for prefetch and the fake FHIR server),
``request`` (the CDS Hooks request), ``transport`` (in-process app or a running service, JWT),
``golden`` (normalised expected responses and diffs), ``render`` (rich output), ``command``
(the typer command). Reading a bundle, its "now", hook and drafts, and moving its dates is
``cds.fixture_bundle``, which the demo page shares.
"""

from __future__ import annotations

from cds.replay.command import register

__all__ = ["register"]
