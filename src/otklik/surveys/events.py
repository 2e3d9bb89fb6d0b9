"""Typed events of surveys: one sent, one answered.

``survey.responded`` is what the reports and automation ("survey answered") react to; the
operators who may see the conversation hear both (the score shows in the conversation), and
a widget visitor hears ``survey.requested`` with the card to answer.
"""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS, contact_stream
from otklik.surveys.schemas import PublicSurvey, SurveyOut

SURVEY_SENT = "survey.sent"
SURVEY_RESPONDED = "survey.responded"
SURVEY_REQUESTED = "survey.requested"


class SurveyData(FrameData):
    """``survey.sent`` / ``survey.responded`` for operators."""

    survey: SurveyOut


class VisitorSurveyData(FrameData):
    """``survey.requested`` for a widget visitor: the card to answer."""

    conversation_id: int
    survey: PublicSurvey


SURVEY_SENT_FRAME = FrameKind("agents", SURVEY_SENT, SurveyData)
SURVEY_RESPONDED_FRAME = FrameKind("agents", SURVEY_RESPONDED, SurveyData)
SURVEY_REQUESTED_FRAME = FrameKind("visitor", SURVEY_REQUESTED, VisitorSurveyData)


def reach_of(survey: SurveyOut) -> Reach:
    return Reach(survey.inbox_id, survey.team_id, survey.operator_id)


class SurveySent(DomainEvent):
    name: ClassVar[str] = SURVEY_SENT
    frames = (SURVEY_SENT_FRAME, SURVEY_REQUESTED_FRAME)
    survey: SurveyOut
    #: The card a widget visitor gets live (``None``: another channel delivers it).
    card: PublicSurvey | None = None

    def feed(self) -> list[FeedEntry]:
        entries = [
            SURVEY_SENT_FRAME.entry(
                STREAM_AGENTS, SurveyData(survey=self.survey), reach_of(self.survey)
            )
        ]
        if self.card is not None:
            data = VisitorSurveyData(conversation_id=self.survey.conversation_id, survey=self.card)
            entries.append(
                SURVEY_REQUESTED_FRAME.entry(contact_stream(self.survey.contact_id), data)
            )
        return entries


class SurveyResponded(DomainEvent):
    """A contact answered a survey (or added a comment to their answer: ``comment_only``)."""

    name: ClassVar[str] = SURVEY_RESPONDED
    frames = (SURVEY_RESPONDED_FRAME,)
    survey: SurveyOut
    comment_only: bool = False

    def feed(self) -> list[FeedEntry]:
        data = SurveyData(survey=self.survey)
        return [SURVEY_RESPONDED_FRAME.entry(STREAM_AGENTS, data, reach_of(self.survey))]
