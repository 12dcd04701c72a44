"""kombu's filesystem transport (the embedded default broker), publishing messages whole.

kombu writes a message into its final file name after creating it, and a worker takes every
file with that name: a worker polling between the two takes an empty file, and a publisher
killed between them (a web process restarted, a test) leaves one. Either way kombu fails to
decode it and the worker stops with "Unrecoverable error" (kombu issue 1551). Here a message is
written under a name no worker takes, then renamed into place in one step; and a worker that
finds a file it cannot decode (left by an older publisher) logs it and moves on. The folders
are made when a channel opens (settings make none).

Selected by settings.CELERY_BROKER_TRANSPORT when CELERY_BROKER_URL is filesystem://.
"""

import json
import logging
import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        folders = [self.data_folder_in, self.data_folder_out, self.control_folder]
        if self.store_processed:
            folders.append(self.processed_folder)
        for folder in folders:
            os.makedirs(folder, exist_ok=True)

    def _put(self, queue, payload, **kwargs):
        # kombu's own name: the reader takes files in the order of their names.
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Not "<anything>.<queue>.msg": kombu's reader skips it until the rename.
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4()}")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error

    def _get(self, queue):
        while True:
            try:
                return super()._get(queue)  # raises Empty when nothing is left
            except json.JSONDecodeError:
                # Already taken off the queue by kombu: only this message is lost, and the
                # database still says what is pending (the sweeps find it again).
                logger.warning("Skipped a message on queue %s that could not be read.", queue)


class Transport(filesystem.Transport):
    Channel = Channel
