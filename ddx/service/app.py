"""The HTTP service: a stateless JSON API over one engine, and the web interview at ``/``.

Stateless like the symptom-checker APIs it is meant to sit behind: the client
sends every answer with each request and nothing is kept once the response
is sent (no session, no cache of answers, no access log; responses are marked
``no-store``). The engine is loaded once, when the app is made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from .. import __version__
from ..engine.core import Engine
from ..engine.result import DISCLAIMER
from ..errors import DdxError, EmergencyEvidenceError, EvidenceError, did_you_mean
from ..inference import compiled
from ..knowledge.interview_settings import SCREEN_ID, load_settings
from ..knowledge.model import TRIAGE_LEVELS
from .cds import cds_router
from .convert import result_dict
from .flow import checked, replay
from .models import (
    Case,
    CodeOut,
    Concept,
    DiagnosisRequest,
    DiagnosisResponse,
    ErrorOut,
    ExplainOut,
    ExplainRequest,
    Info,
    OptionOut,
    QuestionOut,
    ReasonOut,
    ResultOut,
    StopOut,
    SuggestionOut,
    SuggestOut,
    SuggestRequest,
    TriageOut,
)

__all__ = ["MAX_BODY_BYTES", "create_app"]

#: The largest request body accepted (413 beyond): a full case with every id answered is a few KB.
MAX_BODY_BYTES = 64 * 1024
STATIC = Path(__file__).parent / "static"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Headers of every response: nothing is cached or sent on elsewhere.
_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
#: The web interview loads nothing from elsewhere (FastAPI's /docs page, which does, is left without it).
_PAGE_HEADERS = [(b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'")]


class _Guard:
    """ASGI middleware: refuse bodies over the cap (413) before they are read whole, and add :data:`_HEADERS`."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = HTTPException(413, f"the request body is over the limit of {self.limit // 1024} KB")
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            response = JSONResponse({"detail": too_large.detail, "error": "RequestTooLarge"}, 413)
            await response(scope, receive, self._with_headers(send, _HEADERS))
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise too_large
            return message

        page = scope.get("path", "") == "/" or str(scope.get("path", "")).startswith("/static/")
        await self.app(scope, limited, self._with_headers(send, _HEADERS + _PAGE_HEADERS if page else _HEADERS))

    @staticmethod
    def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        return wrapped


def _error(exc: DdxError) -> JSONResponse:
    """422 with the Python API's message; a refused case that meets an emergency rule still says so."""
    body: dict[str, Any] = {"detail": str(exc), "error": type(exc).__name__}
    if isinstance(exc, EmergencyEvidenceError):
        body.update(triage=exc.triage, advice=exc.advice, rules_fired=[asdict(r) for r in exc.rules_fired])
    return JSONResponse(body, 422)


def _validation(exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON or a field of the wrong shape: one readable line per problem, where it is."""
    lines = []
    for problem in exc.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
        lines.append(f"{where}: {problem.get('msg', 'invalid')}" if where else str(problem.get("msg", "invalid")))
    return JSONResponse({"detail": "; ".join(lines) or "invalid request", "error": "RequestValidationError"}, 422)


def create_app(
    engine: Engine,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    today: Callable[[], date] = date.today,
    cors_origins: Sequence[str] = (),
) -> FastAPI:
    """The service over ``engine`` (load it once with ``ddx.load()``): the JSON API, the web interview, CDS Hooks.

    ``today`` gives the day a chart's ages are reckoned on (default: the real day); ``cors_origins`` the web
    origins a browser may call the service from (browser-based CDS Hooks clients; none by default).
    """
    kb = engine.kb
    compiled.preload()  # loaded once at start: every request then takes the compiled kernel
    settings = load_settings(kb)
    errors: dict[int | str, dict[str, Any]] = {422: {"model": ErrorOut, "description": "bad answers"}}
    app = FastAPI(
        title="ddx",
        version=__version__,
        description=f"Bayesian differential diagnosis of numbness or tingling in the leg. {DISCLAIMER}",
        responses=errors,
    )
    app.add_exception_handler(DdxError, lambda _request, exc: _error(exc))
    app.add_exception_handler(
        RequestValidationError,
        lambda _request, exc: _validation(exc),
    )
    app.add_middleware(_Guard, limit=max_body_bytes)
    if cors_origins:
        # Only the origins named: the CDS Hooks endpoints and the API answer them, with no cookies or credentials.
        app.add_middleware(
            CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"], allow_headers=["*"]
        )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(cds_router(engine, today))

    def label(node_id: str) -> str:
        return kb.nodes[node_id].label if node_id in kb.nodes else node_id

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        """The web interview (plain HTML, CSS and JS shipped with the package)."""
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/info")
    def info() -> Info:
        """Versions, the size of the model, the interview's limits and the disclaimer."""
        counts = {
            "causes": len(kb.causes),
            "findings": sum(1 for n in kb.nodes.values() if n.kind == "finding"),
            "risk_factors": len(kb.risk_factors),
            "emergency_signs": len(kb.emergency_signs),
            "evidence_ids": len(kb.evidence_ids),
            "rules": len(kb.rules),
        }
        checklists = {SCREEN_ID: settings.screen_question, **{k: c.question for k, c in settings.intake.items()}}
        return Info(
            name="ddx",
            version=__version__,
            kb_version=kb.kb_version,
            title=kb.title,
            counts=counts,
            triage_levels=list(TRIAGE_LEVELS),
            checklists=checklists,
            intake=list(settings.intake_ask),
            max_questions=settings.max_questions,
            disclaimer=DISCLAIMER,
        )

    @app.get("/concepts")
    def concepts(kind: Literal["evidence", "cause", "all"] = "evidence") -> list[Concept]:
        """Every evidence id (or cause, or node) with its label, question, group and terminology codes."""
        book = kb.codes
        return [
            Concept(
                id=n.id,
                kind=n.kind,
                label=n.label,
                question=n.question,
                group=n.group,
                answered_by=n.answered_by,
                codes=[CodeOut(system=c.url, code=c.code, display=c.display, map=c.map) for c in book.codes(n.id)],
                derived=book.nodes[n.id].derived if n.id in book.nodes else None,
            )
            for n in kb.nodes.values()
            if kind == "all" or (n.kind == "cause") == (kind == "cause")
        ]

    @app.post("/diagnosis")
    def diagnosis(case: DiagnosisRequest) -> DiagnosisResponse:
        """The next question (or why to stop), the differential and the triage with its fired rules."""
        step = replay(
            engine, settings, case.answers, case.age, case.sex, case.intake, case.max_questions, known=case.known
        )
        question = None
        if step.question is not None:
            q = step.question
            options = [OptionOut(id=i, label=label(i), question=kb.nodes[i].question or label(i)) for i in q.options]
            kind: Literal["single", "checklist"] = "checklist" if step.checklist else "single"
            question = QuestionOut(id=q.id, kind=kind, text=q.text, reason=q.reason, safety=q.safety, options=options)
        stop = None if step.stop_code is None else StopOut(code=step.stop_code, message=step.stop_message or "")
        return DiagnosisResponse(
            question=question,
            should_stop=step.question is None,
            stop=stop,
            questions_asked=step.asked,
            max_questions=step.max_questions,
            result=ResultOut.model_validate(result_dict(step.ranking.result)),
        )

    @app.post("/triage")
    def triage(case: Case) -> TriageOut:
        """The triage level, its advice and the rules that set it."""
        result = engine.diagnose(case.answers, case.age, case.sex)  # type: ignore[arg-type]
        return TriageOut(
            triage=result.triage,
            advice=result.advice,
            network_triage=result.network_triage,
            rules_fired=[asdict(r) for r in result.rules_fired],  # type: ignore[misc]
            probabilities_secondary=result.probabilities_secondary,
            disclaimer=result.disclaimer,
            kb_version=result.kb_version,
        )

    @app.post("/explain")
    def explain(case: ExplainRequest) -> ExplainOut:
        """Why a cause scored as it did: each answer that raised or lowered it, with its citation."""
        result = engine.diagnose(case.answers, case.age, case.sex)  # type: ignore[arg-type]
        cause = result.top.id if case.cause is None else case.cause
        if cause not in kb.causes:
            raise EvidenceError(f"unknown cause '{cause}'{did_you_mean(cause, kb.causes)}")
        score = next(c for c in result.differential if c.id == cause)
        reasons = [
            ReasonOut(label=label(c.evidence_id), **asdict(c)) for c in result.explain(cause) if c.delta_log_odds
        ]
        return ExplainOut(
            cause=cause,
            label=score.label,
            probability=score.probability,
            prior=score.prior,
            reasons_for=[r for r in reasons if r.delta_log_odds > 0],
            reasons_against=[r for r in reasons if r.delta_log_odds < 0],
            disclaimer=result.disclaimer,
        )

    @app.post("/suggest")
    def suggest(case: SuggestRequest) -> SuggestOut:
        """The questions worth asking next, safety first, then by expected information gain."""
        checked(engine, case.answers, case.age, case.sex)
        found = engine.next_questions(case.answers, case.age, case.sex, k=case.k)  # type: ignore[arg-type]
        return SuggestOut(
            questions=[
                SuggestionOut(
                    id=q.id,
                    text=q.text,
                    gain=q.gain,
                    p_yes=q.p_yes,
                    change_probability=q.change_probability,
                    safety=q.safety,
                    reason=q.reason,
                )
                for q in found
            ]
        )

    return app
