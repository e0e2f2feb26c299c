"""What taking in a visit needs from the running app, as one value built once at start-up (app.state.intake).

Every way a visit arrives (JSON, multipart, OpenRosa) and every photo sent later passes this one context down
instead of threading settings, store, photo pool, writer and batcher as separate parameters through each layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.settings import Settings
from service.visits.batch import VisitBatcher
from service.visits.write_path import VisitWriter
from storage import ObjectStore, PhotoPool


@dataclass(frozen=True, slots=True)
class Intake:
    settings: Settings
    store: ObjectStore
    photo_pool: PhotoPool | None  # None: photos are processed in the event loop's thread pool
    batcher: VisitBatcher  # group commit for JSON visits; its writer is the one every visit is written through
    sessions: Callable[[], AsyncSession]  # request transactions for whatever the batcher does not take

    @property
    def writer(self) -> VisitWriter:
        return self.batcher.writer
