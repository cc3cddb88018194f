"""Threads and messages between a task's client and a supplier."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import IsOrganizationMember
from accounts.tenancy import acting_organization, acting_user
from core.api.schema import error_responses
from core.exceptions import NotFound
from core.idempotency import idempotent
from core.queries import one_or_not_found
from core.web import serve_attachment
from marketplace import selectors, services
from marketplace.api.serializers.threads import (
    MessageCreateSerializer,
    MessageSerializer,
    ThreadCreateSerializer,
    ThreadSerializer,
)
from marketplace.api.views.files import ServesFiles, attachment_endpoint
from marketplace.models import Thread

# --- messaging -----------------------------------------------------------------------------------


class ThreadViewSet(ServesFiles, viewsets.GenericViewSet):
    """Conversations between a task's client and a supplier, from either side."""

    serializer_class = ThreadSerializer
    queryset = Thread.objects.none()  # tells the schema the model; reads go through the selectors
    permission_classes = (IsOrganizationMember,)
    lookup_url_kwarg = "thread_id"
    lookup_value_converter = "int"

    @property
    def ordering(self) -> tuple[str, ...]:  # read by the cursor pagination
        if self.action == "messages":
            return ("-created_at", "-id")
        return ("-activity_at", "-id")

    def get_queryset(self) -> QuerySet[Thread]:
        return selectors.threads_with_unread(
            organization=acting_organization(self.request), user=acting_user(self.request)
        )

    def get_object(self) -> Thread:
        return one_or_not_found(self.get_queryset(), "No such conversation.", pk=self.kwargs["thread_id"])

    @extend_schema(
        summary="List your organization's conversations, latest activity first",
        responses={200: ThreadSerializer(many=True), **error_responses(401, 403)},
        tags=["messages"],
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ThreadSerializer(page, many=True).data)

    @extend_schema(
        summary="Open a conversation about a task (or get the one that exists)",
        description="The client opens one with a bidder or invited supplier; a supplier with the client of a "
        "task it bid on or was invited to.",
        request=ThreadCreateSerializer,
        responses={201: ThreadSerializer, **error_responses(400, 401, 403, 404)},
        tags=["messages"],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = acting_organization(request)
        try:
            task = selectors.get_task_for_viewer(task_id=serializer.validated_data["task"], organization=organization)
        except NotFound as exc:
            raise NotFound("No such task.", field="task") from exc
        # The same question as the page's: a supplier of this task this organization may talk to. Unknown ids,
        # organizations with no part in the task and the caller's own answer alike (404), so none can be probed.
        try:
            supplier = selectors.get_thread_party(
                task=task, supplier_id=serializer.validated_data["supplier"], organization=organization
            )
        except NotFound as exc:
            raise NotFound("No such supplier.", field="supplier") from exc
        thread = services.open_thread(
            actor=acting_user(request), organization=organization, task=task, supplier=supplier
        )
        self.kwargs["thread_id"] = thread.pk
        return Response(ThreadSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a conversation's summary",
        responses={200: ThreadSerializer, **error_responses(401, 403, 404)},
        tags=["messages"],
    )
    def retrieve(self, request: Request, thread_id: int) -> Response:
        return Response(ThreadSerializer(self.get_object()).data)

    @extend_schema(
        methods=["GET"],
        summary="List a conversation's messages, newest first",
        responses={200: MessageSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["messages"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Send a message; the other side is emailed",
        description="JSON for text alone; `multipart/form-data` to attach files (one or more `attachments`, "
        "checked like a task's: one bad file and nothing is sent). A message needs text, files, or both.",
        request={"application/json": MessageCreateSerializer, "multipart/form-data": MessageCreateSerializer},
        responses={201: MessageSerializer, **error_responses(400, 401, 403, 404)},
        tags=["messages"],
    )
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def messages(self, request: Request, thread_id: int) -> Response:
        thread = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            serializer = MessageCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            message = services.send_message(
                actor=acting_user(request),
                organization=acting_organization(request),
                thread=thread,
                body=serializer.validated_data["body"],
                attachments=list(serializer.validated_data["attachments"]),
            )
            return Response(MessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.thread_messages(thread=thread))  # ordered by the cursor, newest first
        return self.get_paginated_response(MessageSerializer(page, many=True, context=context).data)

    @attachment_endpoint(tag="messages", download="Download a file sent in the conversation (either side)")
    def attachment(self, request: Request, thread_id: int, attachment_id: int) -> HttpResponse:
        thread = selectors.get_thread(thread_id=thread_id, organization=acting_organization(request))
        return serve_attachment(selectors.get_message_attachment(thread=thread, attachment_id=attachment_id))

    @extend_schema(
        summary="Mark the conversation read up to now",
        request=None,
        responses={200: ThreadSerializer, **error_responses(401, 403, 404)},
        tags=["messages"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def read(self, request: Request, thread_id: int) -> Response:
        services.mark_thread_read(user=acting_user(request), thread=self.get_object())
        return Response(ThreadSerializer(self.get_object()).data)
