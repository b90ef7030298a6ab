"""factory_boy factories for the conversations context: valid rows with multilingual text.

Tests of behaviour create data through conversations.services; these are for volume (query
counts at two data sizes, pagination walks) and for `.build()` when no row is needed. Rows made
here have consistent counters (message_count matches the messages a test adds with
MessageFactory only when it says so) but write no timeline."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from mehvar.conversations.models import AuthorKind, Channel, Conversation, Message, Tag
from tests.factories.customers import CustomerFactory

SUBJECTS = (
    "سفارشم هنوز نرسیده است",                      # Persian: my order has not arrived yet
    "لم تصل فاتورة هذا الشهر",                      # Arabic: this month's invoice did not arrive
    "Η σύνδεση στο διαδίκτυο διακόπτεται συνεχώς",  # Greek: the internet keeps dropping
    "Refund for a damaged blender",
)
TEXTS = (
    "سلام، سفارش شماره ۴۵۱۲ را دو هفته پیش ثبت کردم و هنوز خبری نیست. لطفاً پیگیری کنید.",
    "مرحباً، لم أستلم فاتورة شهر مارس حتى الآن. هل يمكنكم إرسالها مرة أخرى؟ شكراً.",
    "Καλησπέρα σας, από χθες το βράδυ το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά.",
    "Hello, the blender arrived with a cracked jug. I would like a refund, please.",
)
LANGUAGES = ("fa", "ar", "el", "en")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Iterator(("فوری", "الفواتير", "σύνδεση", "refund"))


class ConversationFactory(DjangoModelFactory):
    """A customer-opened conversation, each one a second older than the one before."""

    class Meta:
        model = Conversation
        skip_postgeneration_save = True

    subject = factory.Iterator(SUBJECTS)
    channel = factory.Iterator((Channel.EMAIL, Channel.WHATSAPP, Channel.WEBCHAT, Channel.SMS))
    language = factory.Iterator(LANGUAGES)
    customer = factory.SubFactory(CustomerFactory)
    message_count = 0
    created_at = factory.Sequence(lambda number: timezone.now() - timedelta(seconds=number))
    updated_at = factory.SelfAttribute("created_at")
    last_message_at = factory.SelfAttribute("created_at")

    @factory.post_generation
    def tags(self, create: bool, extracted: list[Tag] | None, **kwargs: object) -> None:
        if create and extracted:
            self.tags.add(*extracted)


class MessageFactory(DjangoModelFactory):
    """A customer's message in the conversation's channel and language."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    author_kind = AuthorKind.CUSTOMER
    author_customer = factory.SelfAttribute("conversation.customer")
    text = factory.Iterator(TEXTS)
    language = factory.SelfAttribute("conversation.language")
    channel = factory.SelfAttribute("conversation.channel")
    created_at = factory.Sequence(lambda number: timezone.now() + timedelta(seconds=number))
