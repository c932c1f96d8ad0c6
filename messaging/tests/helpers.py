"""What the messaging tests share: a Tehran clock, the jobs waiting for later,
and messages made straight in the database."""

import datetime
import zoneinfo

import time_machine

from messaging.models import Message
from portal.lib import tasks

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
NUMBER = "09121234567"


def tehran(hour, minute=0, *, day=10, month=3, year=2026):
    """A moment on Tehran's clock (Iran keeps no summer time any more)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def travel(when):
    """The clock stopped at ``when``; ``move_to`` moves it."""
    return time_machine.travel(when, tick=False)


def deferred(name):
    """(when, args) of each job named ``name`` kept for later, soonest first."""
    return sorted((when, args) for when, task, args, _kwargs in tasks.deferred if task.name == name)


def make_message(**fields):
    defaults = {
        "channel": Message.Channel.SMS,
        "to": NUMBER,
        "text": "پیام آزمایشی",
        "purpose": Message.Purpose.NOTICE,
    }
    return Message.objects.create(**{**defaults, **fields})
