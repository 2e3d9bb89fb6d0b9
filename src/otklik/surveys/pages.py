"""The answer page an email survey links to (server-rendered, no JavaScript).

Each score's link opens the page with that score chosen and a comment box; the button
records both. Opening the link records nothing: mail scanners open every link of a mail,
and would otherwise answer the survey with the first score (the email proof's page does the
same, ``web/pages.py``). An answered survey shows the score and still takes a comment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response

from otklik.core import headers
from otklik.core.deps import DbSession
from otklik.core.errors import AppError
from otklik.core.routing import TransactionalRoute
from otklik.surveys import service, texts
from otklik.surveys.schemas import PublicSurvey
from otklik.web.pages import templates

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
Token = Annotated[str, Path(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Score = Annotated[int, Path(ge=0, le=10)]


def _page(request: Request, survey: PublicSurvey, state: str, chosen: int | None) -> Response:
    language = texts.language_of(survey.language)
    return templates.TemplateResponse(
        request,
        "survey.html",
        {
            "lang": language,
            "t": texts.PHRASES[language],
            "survey": survey,
            "state": state,
            "chosen": chosen,
        },
        headers={"Content-Security-Policy": headers.page_policy(), "Cache-Control": "no-store"},
    )


def _state(survey: PublicSurvey) -> str:
    if survey.score is not None:
        return "answered"
    return "expired" if survey.expired else "ask"


@router.get("/surveys/{token}/{score}")
async def survey_page(request: Request, session: DbSession, token: Token, score: Score) -> Response:
    survey = await service.public_survey(session, token=token)
    chosen = survey.score if survey.score is not None else score
    return _page(request, survey, _state(survey), chosen)


@router.post("/surveys/{token}")
async def submit(
    request: Request,
    session: DbSession,
    token: Token,
    score: Annotated[int, Form(ge=0, le=10)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        survey = await service.answer(session, token=token, score=score, comment=comment)
    except AppError as exc:
        if exc.status not in (409, 410):
            raise
        current = await service.public_survey(session, token=token)
        return _page(request, current, _state(current), current.score)
    return _page(request, survey, "done", survey.score)
