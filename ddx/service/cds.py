"""The CDS Hooks 2.0 service of ``ddx serve``: discovery, the ``patient-view`` hook and its feedback endpoint.

The EHR sends the chart in ``prefetch`` (the Patient, active Conditions and
recent Observations, by the templates that discovery lists); the service
reads it through the node codes (:mod:`ddx.fhir.read`), scores it and
answers with cards (:mod:`ddx.service.cards`). It never calls the EHR's FHIR
server back and stores nothing, feedback included: a request without the
prefetch it needs gets a card that says what is missing. Anything the chart
or the request gets wrong ends as a card or a 400 with the reason, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..engine.core import Engine
from ..errors import EmergencyEvidenceError, EvidenceError, FhirError, did_you_mean
from ..fhir.read import BundleEvidence, evidence_from_resources
from .cards import notice_card, result_cards

__all__ = ["HOOK", "PREFETCH", "SERVICE_ID", "cds_router"]

SERVICE_ID = "ddx-leg-numbness"
HOOK = "patient-view"
#: What the service asks the EHR to send (CDS Hooks prefetch templates).
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "observations": "Observation?patient={{context.patientId}}&_sort=-date&_count=200",
}
_FEEDBACK_OUTCOMES = ("accepted", "overridden")


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "error": "BadCdsRequest"}, 400)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _body(request: Request) -> dict[str, Any] | JSONResponse:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError as exc:
        return _bad(f"the body is not JSON: {exc}")
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    return body


def _check_request(body: Mapping[str, Any]) -> str | None:
    """What is wrong with the shape of a hook request; None when it can be read."""
    if body.get("hook") != HOOK:
        return f"hook must be {HOOK!r}, got {body.get('hook')!r}"
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        return "hookInstance is missing (a UUID of this call)"
    context = body.get("context")
    if not isinstance(context, Mapping) or not isinstance(context.get("patientId"), str):
        return "context.patientId is missing"
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, Mapping):
        return "prefetch must be an object of FHIR resources"
    return None


def cds_router(engine: Engine, today: Callable[[], date] = date.today) -> APIRouter:
    """The CDS Hooks routes over ``engine`` (mounted by :func:`ddx.service.app.create_app`).

    ``today`` gives the day ages are reckoned on (a fixed day makes example responses reproducible).
    """
    kb = engine.kb
    router = APIRouter(tags=["CDS Hooks"])

    async def read(service: str, request: Request) -> dict[str, Any] | JSONResponse:
        """The body of a call to ``service``: a 404 for an unknown service, a 400 for a body that is no object."""
        if service != SERVICE_ID:
            detail = f"no CDS service {service!r}{did_you_mean(service, [SERVICE_ID])}; see /cds-services"
            return JSONResponse({"detail": detail, "error": "UnknownService"}, 404)
        return await _body(request)

    @router.get("/cds-services")
    def discovery() -> dict[str, Any]:
        """The CDS Hooks discovery document: one patient-view service and the chart it needs."""
        return {
            "services": [
                {
                    "hook": HOOK,
                    "id": SERVICE_ID,
                    "title": "ddx: numbness or tingling in the leg",
                    "description": (
                        "Ranks the causes of numbness, tingling or pins and needles in the leg from the chart, "
                        "with the triage its emergency rules set. Decision support, not a diagnosis."
                    ),
                    "prefetch": dict(PREFETCH),
                    "usageRequirements": "Send the prefetch: the service does not query the FHIR server.",
                }
            ]
        }

    def cards_for(body: Mapping[str, Any], base: str) -> list[dict[str, Any]]:
        prefetch = body.get("prefetch") or {}
        missing = [key for key in PREFETCH if prefetch.get(key) is None]
        if missing:
            detail = (
                f"The request has no prefetch {', '.join(repr(k) for k in missing)}. This service reads the "
                "chart only from prefetch (it does not query the FHIR server); templates: "
                + "; ".join(f"`{k}`: `{PREFETCH[k]}`" for k in missing)
            )
            return [notice_card(kb, base, f"ddx could not run: prefetch {', '.join(missing)} missing", detail)]
        try:
            ev: BundleEvidence = evidence_from_resources([prefetch[k] for k in PREFETCH], kb, today=today())
        except FhirError as exc:
            return [notice_card(kb, base, "ddx could not read the chart (not valid FHIR R4)", str(exc))]
        wanted = str(body["context"]["patientId"])
        if ev.patient not in (wanted, f"Patient/{wanted}"):
            detail = (
                f"The prefetch Patient is {ev.patient or 'missing'}, but the hook is for patient {wanted}: "
                "the chart was not scored, so that no one is advised on another person's record."
            )
            return [notice_card(kb, base, "ddx did not run: the chart is not the context's patient", detail, "warning")]
        try:
            result = engine.diagnose(ev.answers, ev.age, ev.sex)
        except EmergencyEvidenceError as exc:
            return [notice_card(kb, base, f"Emergency: {exc.advice}", str(exc), indicator="critical")]
        except EvidenceError as exc:
            return [notice_card(kb, base, "ddx could not score the chart's answers", str(exc))]
        return result_cards(result, ev, kb, base)

    @router.post("/cds-services/{service}", response_model=None)
    async def hook(service: str, request: Request) -> dict[str, Any] | JSONResponse:
        """Call the service with a patient-view hook: cards with the differential and the triage."""
        body = await read(service, request)
        if isinstance(body, JSONResponse):
            return body
        problem = _check_request(body)
        if problem is not None:
            return _bad(problem)
        # scoring is CPU work: off the event loop, like the API's plain routes
        return {"cards": await run_in_threadpool(cards_for, body, _base_url(request))}

    @router.post("/cds-services/{service}/feedback", response_model=None)
    async def feedback(service: str, request: Request) -> dict[str, Any] | JSONResponse:
        """Take the EHR's feedback on cards (accepted or overridden); it is checked, then dropped: nothing is kept."""
        body = await read(service, request)
        if isinstance(body, JSONResponse):
            return body
        items = body.get("feedback")
        if not isinstance(items, list) or not items:
            return _bad("feedback must be a non-empty list")
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or not isinstance(item.get("card"), str):
                return _bad(f"feedback[{i}].card is missing (the uuid of the card)")
            if item.get("outcome") not in _FEEDBACK_OUTCOMES:
                return _bad(f"feedback[{i}].outcome must be one of {', '.join(_FEEDBACK_OUTCOMES)}")
            if not isinstance(item.get("outcomeTimestamp"), str):
                return _bad(f"feedback[{i}].outcomeTimestamp is missing (when the user acted, in UTC)")
        return {}

    return router
