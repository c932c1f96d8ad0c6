"""Development: each SMS is written to the terminal, the code in it readable there."""

import sys
import threading

from .base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, to, text, *, local_id):
        with self._lock:
            self.stream.write(f"---------- SMS to {to} (#{local_id})\n{text}\n----------\n")
            self.stream.flush()
        return f"console-{local_id}"
