"""What the task, bid and thread views share about files: their two routes, parsing uploads, serving downloads.

Each owner of files has ``.../attachments/`` (GET lists them, POST uploads
more) and ``.../attachments/{attachment_id}/`` (GET downloads one, DELETE
removes it). Uploads go to the same services as the pages' forms, which check
size, type and count; downloads go through ``core.web.serve_attachment``
after the same scoped lookups the pages make, so the API serves a file to
exactly those who may see its task, bid or conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api.schema import NO_CONTENT, error_responses
from core.idempotency import idempotent
from marketplace.api.serializers.files import AttachmentSerializer, AttachmentUploadSerializer
from marketplace.services._common import ALLOWED_EXTENSIONS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

# A download is served with the type its file was stored as, one of the types uploads may have.
DOWNLOAD_TYPES = {(200, media_type): OpenApiTypes.BINARY for media_type in sorted(set(ALLOWED_EXTENSIONS.values()))}

UPLOAD_ERRORS = error_responses(
    400,
    401,
    403,
    404,
    415,
    descriptions={
        400: "A file is too large, of a type not allowed, not what its extension says, or one too many: "
        "`fields.attachments` names each. Nothing is saved.",
        415: "Send the files as `multipart/form-data`.",
    },
)


def uploaded_files(request: Request) -> list[UploadedFile]:
    """The ``attachments`` of a multipart request; the service checks what they are.

    Read it only after the owner's lookup, so a foreign id answers 404 whatever the body holds.
    """
    serializer = AttachmentUploadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return list(serializer.validated_data["attachments"])


def attachments_endpoint(*, serializer: type[AttachmentSerializer], tag: str, listing: str, upload: str) -> Decorator:
    """The ``attachments`` action: GET lists the owner's files (``listing``), POST adds some (``upload``)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view = idempotent(view)  # POST: an upload retried with the same key stores the files once
        view = action(
            detail=True,
            methods=["get", "post"],
            url_path="attachments",
            parser_classes=(MultiPartParser,),
            pagination_class=None,  # ten files at most: one list
        )(view)
        view = extend_schema(
            methods=["POST"],
            summary=upload,
            description="Multipart, one or more `attachments`. Every file is checked before any is kept: one bad "
            "file and none is saved. Answers with the files added.",
            request={"multipart/form-data": AttachmentUploadSerializer},
            responses={201: serializer(many=True), **UPLOAD_ERRORS},
            tags=[tag],
        )(view)
        return extend_schema(
            methods=["GET"],
            summary=listing,
            responses={200: serializer(many=True), **error_responses(401, 403, 404)},
            tags=[tag],
        )(view)

    return decorate


def attachment_endpoint(*, tag: str, download: str, delete: str = "") -> Decorator:
    """The ``attachment`` action: GET serves one file (``download``); DELETE removes it when ``delete`` is given."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        methods: list[Literal["get", "delete"]] = ["get", "delete"] if delete else ["get"]
        view = action(detail=True, methods=methods, url_path="attachments/<int:attachment_id>", url_name="attachment")(
            view
        )
        if delete:
            view = extend_schema(
                methods=["DELETE"],
                summary=delete,
                request=None,
                responses={**NO_CONTENT, **error_responses(400, 401, 403, 404)},
                tags=[tag],
            )(view)
        return extend_schema(
            methods=["GET"],
            summary=download,
            description="The file as a download (`Content-Disposition: attachment`), with the content type it "
            "was stored with.",
            responses={**DOWNLOAD_TYPES, **error_responses(401, 403, 404)},
            tags=[tag],
        )(view)

    return decorate


class ServesFiles(APIView):
    """Views whose ``attachment`` action answers with a file, whatever the client's ``Accept`` says.

    A file is not rendered, so no renderer has to match; a refusal (404) then
    comes in JSON instead of turning into a 406.
    """

    file_actions: ClassVar[frozenset[str]] = frozenset({"attachment"})

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        serves_file = getattr(self, "action", None) in self.file_actions
        return super().perform_content_negotiation(request, force=force or serves_file)  # type: ignore[return-value]
