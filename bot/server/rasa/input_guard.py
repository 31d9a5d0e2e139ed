"""An NLU component that sends unusable input straight to the answering action.

DIET will confidently classify an emoji, a Welsh sentence or a 10,000-character paste as *some*
intent — "restart" or "greet", say. Messages that bot.answer.guard would refuse, or that carry
markup, are routed to `ask_question` with full confidence, where the answer pipeline replies
politely. Everything else passes through untouched.

Being the last NLU step, it also knows first that a message will be answered by retrieval, so it
asks the action server to start composing that answer while Rasa runs its policies (bot.server.prefetch).
A message that looks like a question is asked for sooner: as it reaches Rasa (`start_on_arrival`, from
bot.server.rasa.speedups), or, where that patch is not applied, at NLU's first step (`EarlyPrefetch`), so
the answer is composed while Rasa reads the conversation and runs NLU as well; the guard then asks only
for the rest.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.server import prefetch
from bot.answer import guard
from bot.config import load_settings

ROUTE_TO = "ask_question"
# A message of this many words or more that is not a button is composed ahead before NLU has classified
# it. Shorter ones are mostly small talk ("hello", "thanks a lot"), which would be composed for nothing.
EARLY_MIN_WORDS = 3
PREFETCHED = "coach_prefetched"  # set on a message whose answer is already being composed
# Intents that data/rules.yml sends to action_answer_question.
ANSWERED_BY_RETRIEVAL = frozenset({"ask_question", "out_of_scope", "nlu_fallback"})


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        # One set of rules for both sides: coach.yml `input`, which the answer pipeline applies too
        # (a `max_chars` left in an older model's config is ignored).
        self.rules = load_settings().input
        self.max_chars = self.rules.max_chars

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "InputGuard":
        return cls(config)

    def needs_routing(self, text: Optional[str]) -> bool:
        if not text or text.startswith("/"):  # button payloads are parsed by Rasa, not DIET
            return not text
        checked = guard.check(text, self.max_chars, self.rules)
        return checked.status is not None or guard.strip_markup(text) != text

    def process(self, messages: List[Message]) -> List[Message]:
        send = prefetch.sender()
        for message in messages:
            text = message.get("text")
            if self.needs_routing(text):
                intent = {"name": ROUTE_TO, "confidence": 1.0}
                message.set("intent", intent, add_to_output=True)
                message.set("intent_ranking", [intent], add_to_output=True)
            elif send is not None and text and not text.startswith("/") and not message.get(PREFETCHED) \
                    and (message.get("intent") or {}).get("name") in ANSWERED_BY_RETRIEVAL:
                send.send(text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


# The text whose answer was started as Rasa received it, in the task handling that message (contextvars
# follow the request's task into NLU, which runs synchronously inside it).
_started_on_arrival: ContextVar[Optional[str]] = ContextVar("coach_started_on_arrival", default=None)


def start_on_arrival(text: Any) -> Optional[Token]:
    """Ask the action server to start on `text` as Rasa receives it, before it reads the conversation.

    Called by bot.server.rasa.speedups as a message reaches `Agent.handle_message`: the conversation's
    lock, reading it from the store and the session check all come before NLU's first step, and the
    answer takes longer to compose than NLU and the policies together. Returns the token to reset the
    mark with once the message is handled, or None if nothing was sent. `EarlyPrefetch` stays as the
    fallback for a Rasa the patch could not be applied to, and does not send again what this sent.
    """
    if isinstance(text, str) and looks_like_a_question(text):
        send = prefetch.sender()
        if send is not None and send.send(text):
            return _started_on_arrival.set(text)
    return None


def finish_arrival(token: Optional[Token]) -> None:
    if token is not None:
        _started_on_arrival.reset(token)


def looks_like_a_question(text: Optional[str]) -> bool:
    """Worth composing before NLU has read it: typed text (not a button) of `EARLY_MIN_WORDS` words or more."""
    return bool(text) and not text.startswith("/") and len(text.split(None, EARLY_MIN_WORDS)) >= EARLY_MIN_WORDS


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EarlyPrefetch(GraphComponent):
    """The first NLU step: asks the action server to start on a likely question while NLU runs, unless
    `start_on_arrival` already has (then it only marks the message, so the guard does not ask again).

    Why: the answer takes longer to compose than Rasa's policies take to choose the action, so an
    answer started by the input guard was still being composed when the action asked for it (3.3 ms
    a turn on average in `make bench`). Started here it has NLU's few milliseconds more. The cost is
    a wasted compose on the action server for typed small talk of three words or more, which NLU then
    sends elsewhere; a turn's latency is not affected by that, only the action server's spare CPU.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EarlyPrefetch":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        send = prefetch.sender()
        if send is None:
            return messages
        for message in messages:
            text = message.get("text")
            if looks_like_a_question(text) and (_started_on_arrival.get() == text or send.send(text)):
                message.set(PREFETCHED, True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
