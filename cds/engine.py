"""One service call, start to finish: request -> resources -> features -> cards -> response.

The engine is the only place the three layers meet: ``cds.prefetch`` gathers checked FHIR
resources, ``fhir_mappings.extract`` turns them into a ``FeatureSet`` (never raising; what it could
not read is in ``FeatureSet.skipped``), ``cds.triage`` turns features into cards. Every card gets
a uuid (feedback needs it) and its topic is recorded so feedback can be summarised per topic.

Left-out resources are counted in the response ``extension`` (l.1111-1156) so the EHR and the
clinician can tell an answer from a partial record; the triage also sees them in the FeatureSet.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from cards.models import Card, CdsResponse
from cds import triage
from cds.fhir_client import FhirClient, FhirServer
from cds.hooks import HookRequest, OrderSelectRequest, OrderSignRequest
from cds.prefetch import Collected, PrefetchCollector, check_belongs
from cds.security import VerifiedClient, check_fhir_server
from cds.services import CdsService
from cds.settings import Settings
from cds.storage.feedback import FeedbackStore, IssuedCard
from cds.storage.issued import NOTHING_TO_RECORD
from cds.storage.tenants import tenant_of
from cds.terminology import Classified, TerminologyClient
from fhir_mappings.codelists import CodeIndex, load_index
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureSet, Skipped

SKIPPED_EXTENSION = "org.example.calf-triage.skipped-resources"


@dataclass(slots=True)
class CallSummary:
    """What the request log line may say about a call (no patient data, no clinical values)."""

    cards: int = 0
    topics: list[str] = field(default_factory=list)
    skipped: int = 0
    fetched: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Answer:
    """A call's response and the recording of its cards, which must end before it is sent."""

    response: CdsResponse
    recorded: Awaitable[None]


def mapping_options(settings: Settings) -> MappingOptions:
    """The mapping layer's options: the settings of the same names (others keep their default)."""
    names = [f.name for f in fields(MappingOptions) if f.name in Settings.model_fields]
    return MappingOptions(**{name: getattr(settings, name) for name in names})


class Engine:
    """Built once per app; ``handle`` is called per request and keeps no state between calls."""

    def __init__(
        self,
        settings: Settings,
        *,
        fhir: FhirClient | None,
        store: FeedbackStore | None,
        clock: Callable[[], datetime] | None = None,
        new_uuid: Callable[[], str] | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self._new_uuid = new_uuid or (lambda: str(uuid.uuid4()))
        self._prefetch = PrefetchCollector(
            fhir,
            max_entries=settings.max_prefetch_entries,
            deadline_seconds=settings.fetch_deadline_seconds,
        )
        self._mapping = mapping_options(settings)
        self._terminology = (
            TerminologyClient(
                settings.terminology_url, timeout_seconds=settings.terminology_timeout_seconds
            )
            if settings.terminology_url
            else None
        )

    async def handle(
        self,
        service: CdsService,
        request: HookRequest,
        caller: VerifiedClient | None,
        summary: CallSummary,
    ) -> Answer:
        """Cards for one call; raises ``CdsError`` subclasses (412, 403, 422) for the handler."""
        gathered = await self.gather(service, request, caller)
        summary.fetched = gathered.fetched_keys
        drafts: list[object] = []
        selections: list[str] | None = None
        if isinstance(request, OrderSelectRequest | OrderSignRequest):
            drafts = [entry.get("resource") for entry in request.context.draftOrders.entry]
        if isinstance(request, OrderSelectRequest):
            selections = list(request.context.selections)
        hook_instance = str(request.hookInstance)
        cards, features = await self.cards_for(
            service,
            gathered,
            patient_id=request.context.patientId,
            hook_instance=hook_instance,
            draft_orders=drafts,
            selections=selections,
        )
        issued = [IssuedCard(card.uuid or "", _topic(card)) for card in cards]
        recorded = NOTHING_TO_RECORD
        if self._store is not None:  # awaited before answering: feedback may follow at once
            tenant = tenant_of(caller)
            recorded = self._store.record_issued(tenant, service.id, hook_instance, issued)
        summary.cards = len(cards)
        summary.topics = [card.topic for card in issued]
        summary.skipped = len(features.skipped)
        response = CdsResponse(cards=cards, extension=_skipped_extension(features.skipped))
        return Answer(response, recorded)

    async def gather(
        self, service: CdsService, request: HookRequest, caller: VerifiedClient | None
    ) -> Collected:
        """The checked resources ``service`` reads: the request's prefetch, the rest fetched."""
        server: FhirServer | None = None
        if request.fhirServer is not None:
            # SSRF guard first, even when everything was prefetched.
            check_fhir_server(request.fhirServer, caller, self._settings)
            token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
            server = FhirServer(request.fhirServer, token.get_secret_value() if token else None)
        return await self._prefetch.collect(
            service.searches,
            context=request.context.model_dump(exclude_none=True),
            prefetch=request.prefetch,
            server=server,
        )

    async def cards_for(
        self,
        service: CdsService,
        record: Collected,
        *,
        patient_id: str,
        hook_instance: str,
        draft_orders: Sequence[object] = (),
        selections: list[str] | None = None,
    ) -> tuple[list[Card], FeatureSet]:
        """The cards of ``service``'s rules for the resources held, and the features they read.

        Every call path ends here: a hook call after ``gather``, the assessment app with what it
        fetched plus the clinician's answers, the demo with a bundle.
        """
        orders, draft_skipped = _draft_orders(draft_orders, patient_id)
        terms = Classified()
        if self._terminology is not None:
            terms = await self._terminology.classify(record.resources, self._codes())
        features = extract_features(
            record.resources,
            patient_id=patient_id,
            now=self._clock(),
            options=self._mapping,
            available=frozenset(record.available),
            draft_orders=orders,
            selections=selections,
            extra_codes=terms.entries,
            terminology_note=terms.note,
        )
        features.skipped.extend(record.skipped)
        features.skipped.extend(draft_skipped)
        cards = [
            card if card.uuid else card.model_copy(update={"uuid": self._new_uuid()})
            for card in triage.evaluate(
                features,
                hook=service.hook,
                settings=self._settings,
                hook_instance=hook_instance,
                rules=service.rules,
            )
        ]
        return cards, features

    def _codes(self) -> CodeIndex:
        local = self._mapping.local_codes_file
        return load_index(str(local) if local else None, self._mapping.include_unverified_codes)


def _topic(card: Card) -> str:
    return triage.card_topic(card) or "unknown"


def _draft_orders(
    drafts: Sequence[object], patient_id: str
) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """The draft order resources, each re-checked to belong to this patient."""
    orders: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    for resource in drafts:
        why = check_belongs(resource, patient_id, None)
        if why is None and isinstance(resource, dict):
            orders.append(resource)
        else:
            ref = (
                f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"
                if isinstance(resource, dict)
                else "?"
            )
            skipped.append(Skipped(reference=ref, reason=f"draft order: {why}"))
    return orders, skipped


def _skipped_extension(skipped: list[Skipped]) -> dict[str, Any] | None:
    if not skipped:
        return None
    by_type = Counter(item.reference.split("/", 1)[0] for item in skipped)
    return {SKIPPED_EXTENSION: {"count": len(skipped), "byResourceType": dict(by_type)}}
