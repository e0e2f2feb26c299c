"""Request body ceilings per route, sized to what the route's content needs.

A body is never read past its route's ceiling (Litestar answers 413 from Content-Length before reading, or as soon
as the streamed bytes pass it), so an anonymous caller cannot make the server hold megabytes. Routes without
their own ceiling get the app default (`GOCUA_MAX_REQUEST_BYTES`).
"""

from __future__ import annotations

# A login: a username and a password of at most 200 characters.
LOGIN_BYTES = 4_096
# One record: a household, member, team, area, review note, password change or device-token label.
RECORD_BYTES = 16_384
# A form definition as a JSON spec (the bundled forms are ~11 KB).
FORM_BYTES = 1_000_000
# CSV media files of a form version in one upload (each at most GOCUA_FORM_MEDIA_MAX_BYTES).
FORM_MEDIA_BYTES = 20_000_000
# A JSON document on a route that also takes photos (a JSON visit: answers, GPS, no photo bytes).
JSON_BYTES = 1_000_000
# A visit with its photos as multipart, or one photo PUT (storage.photos refuses a photo past 15 MB).
PHOTO_ROUTE_BYTES = 40_000_000
# A visit with its files as multipart (photos, and audio/video/file answers up to GOCUA_MAX_VIDEO_BYTES, 50 MB by
# default), an OpenRosa submission, or one attachment PUT.
MEDIA_ROUTE_BYTES = 64_000_000
