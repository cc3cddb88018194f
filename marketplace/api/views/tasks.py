"""Categories and tasks: search, create, edit, transitions, invitations, bids on a task, the comparison."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api.permissions import IsOrganizationMember
from accounts.models import Organization
from accounts.tenancy import acting_organization, acting_user
from core.api.schema import error_responses
from core.api.serializers import read_or_refuse
from core.exceptions import Invalid
from core.idempotency import idempotent
from core.web import serve_attachment
from marketplace import comparison, selectors, services
from marketplace.api.serializers.bids import BidSerializer, BidWriteSerializer
from marketplace.api.serializers.common import CategorySerializer
from marketplace.api.serializers.files import TaskAttachmentSerializer
from marketplace.api.serializers.tasks import (
    BidInvitationCreateSerializer,
    BidInvitationSerializer,
    ComparisonParamsSerializer,
    ComparisonSerializer,
    TaskCreateSerializer,
    TaskPageSerializer,
    TaskSearchParamsSerializer,
    TaskSerializer,
    TaskWriteSerializer,
    WeightsSerializer,
    represent_listed_tasks,
)
from marketplace.api.views.bids import read_bid_terms
from marketplace.api.views.files import ServesFiles, attachment_endpoint, attachments_endpoint, uploaded_files
from marketplace.comparison.factors import weight_problem
from marketplace.models import Task
from marketplace.services import TaskInput


def _viewer(request: Request) -> Organization | None:
    """The acting organization, or ``None`` for an anonymous visitor (public reads only)."""
    if getattr(request, "membership", None) is None:
        return None
    return acting_organization(request)


# --- categories --------------------------------------------------------------------------


class CategoryListView(APIView):
    """The kinds of work on the marketplace: a small, fixed vocabulary, so one unpaginated list."""

    is_public = True
    permission_classes = (permissions.AllowAny,)

    @extend_schema(
        operation_id="v1_categories_list",
        summary="List the categories of work",
        responses={200: CategorySerializer(many=True)},
        tags=["categories"],
    )
    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(selectors.categories(), many=True).data)


# --- tasks ------------------------------------------------------------------------------


def _task_input(values: dict[str, Any], base: TaskInput | None = None) -> TaskInput:
    """Validated API fields -> the service's input; ``base`` (an edit) supplies the fields left out."""
    values = dict(values)
    values.pop("publish", None)
    if "category" in values:
        values["category_id"] = values.pop("category")
    if base is None:
        return TaskInput(**values)
    for name, value in values.items():
        setattr(base, name, value)
    return base


def _read_terms(serializer: TaskWriteSerializer, *, base: TaskInput | None = None) -> TaskInput:
    """The request's terms, or one 400 naming what could not be read and every rule broken (as the task form does)."""
    return read_or_refuse(
        serializer,
        to_input=_task_input,
        check=lambda terms: services.validate_task_input(data=terms),
        blank=TaskInput(),
        base=base,
        names={"category": "category_id"},
    )


def _task_body(task: Task, *, request: Request, organization: Organization | None) -> dict[str, Any]:
    return TaskSerializer(task, context={"organization": organization, "request": request}).data  # type: ignore[return-value]


class TaskListView(APIView):
    """Search open tasks (public, like the browse page) and post new ones (members)."""

    is_public = True  # the search is open to anonymous visitors; posting is not

    def get_permissions(self) -> Sequence[Any]:
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return [IsOrganizationMember()]

    @extend_schema(
        operation_id="v1_tasks_list",
        summary="Search open tasks",
        description=(
            "The browse page's search: open tasks the caller may see (anonymous visitors: public ones), "
            "full-text `q`, filters, and a sort. Paged by keyset: follow `next` until it is null."
        ),
        parameters=[TaskSearchParamsSerializer],
        responses={200: TaskPageSerializer, **error_responses(400)},
        tags=["tasks"],
    )
    def get(self, request: Request) -> Response:
        params = TaskSearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        organization = _viewer(request)
        filters = selectors.TaskFilters.from_params(request.query_params)
        cursor = params.validated_data.get("cursor", "")
        # The selector starts over on a cursor it cannot read; a client looping on `next` must hear about it.
        sort = filters.effective_sort if filters.q or filters.effective_sort != "relevance" else "newest"
        if cursor and selectors.decode_cursor(cursor, sort=sort) is None:
            raise Invalid({"cursor": ["This cursor is not valid for this search: start again without it."]})
        page = selectors.search_tasks(
            filters=filters, organization=organization, cursor=cursor, page_size=params.validated_data["page_size"]
        )
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        selectors.load_listed_attachments(page.tasks)
        results = represent_listed_tasks(page.tasks, organization=organization, request=request)
        return Response({"results": results, "next": next_url})

    @extend_schema(
        summary="Post a task (a draft, or open for bids with `publish`)",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **error_responses(400, 401, 403)},
        tags=["tasks"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        data = _read_terms(serializer)
        organization = acting_organization(request)
        task = services.create_task(
            actor=acting_user(request),
            organization=organization,
            data=data,
            publish=serializer.validated_data["publish"],
        )
        task = selectors.get_task_for_viewer(task_id=task.pk, organization=organization)
        return Response(_task_body(task, request=request, organization=organization), status=status.HTTP_201_CREATED)


class TaskViewSet(ServesFiles, viewsets.GenericViewSet):
    """One task: read it, edit it, move it through its states, invite, see and compare its bids."""

    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # tells the schema the model; reads go through the selectors
    permission_classes = (IsOrganizationMember,)
    lookup_url_kwarg = "task_id"
    lookup_value_converter = "int"
    ordering = ("-created_at", "-id")  # the task's bids

    def own_task(self) -> Task:
        """The task, when the acting organization is its client; 404 otherwise."""
        return selectors.get_own_task(task_id=self.kwargs["task_id"], organization=acting_organization(self.request))

    def respond(self, task: Task, *, code: int = status.HTTP_200_OK) -> Response:
        organization = acting_organization(self.request)
        task = selectors.get_task_for_viewer(task_id=task.pk, organization=organization)
        return Response(_task_body(task, request=self.request, organization=organization), status=code)

    @extend_schema(
        summary="Read a task",
        description="Its client, invited suppliers and bidders see it in any state; others only once listed. "
        "`in_house_cost_estimate` and `comparison_weights` are shown to the client only.",
        responses={200: TaskSerializer, **error_responses(401, 403, 404)},
        tags=["tasks"],
    )
    def retrieve(self, request: Request, task_id: int) -> Response:
        organization = acting_organization(request)
        task = selectors.get_task_for_viewer(task_id=task_id, organization=organization)
        return Response(_task_body(task, request=request, organization=organization))

    @extend_schema(
        summary="Edit a draft or open task (the client)",
        description="Fields left out keep their value. Edits of an open task are kept for bidders to see.",
        request=TaskWriteSerializer,
        responses={200: TaskSerializer, **error_responses(400, 401, 403, 404)},
        tags=["tasks"],
    )
    def partial_update(self, request: Request, task_id: int) -> Response:
        task = self.own_task()
        serializer = TaskWriteSerializer(data=request.data, partial=True)
        data = _read_terms(serializer, base=services.task_input_from(task))
        task = services.update_task(actor=acting_user(request), task=task, data=data)
        return self.respond(task)

    def _transition(self, verb: Any) -> Response:
        task = verb(actor=acting_user(self.request), task=self.own_task())
        return self.respond(task)

    @extend_schema(
        summary="Open a draft for bids (the client)",
        request=None,
        responses={200: TaskSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def publish(self, request: Request, task_id: int) -> Response:
        return self._transition(services.publish_task)

    @extend_schema(
        summary="Stop taking bids (the client); live bids are declined",
        request=None,
        responses={200: TaskSerializer, **error_responses(401, 403, 404, 409)},
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request: Request, task_id: int) -> Response:
        return self._transition(services.close_task)

    @extend_schema(
        summary="Cancel the task (the client); live bids are declined",
        request=None,
        responses={200: TaskSerializer, **error_responses(401, 403, 404, 409)},
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, task_id: int) -> Response:
        return self._transition(services.cancel_task)

    @extend_schema(
        summary="Invite a supplier to bid (the client)",
        description="The supplier's members are emailed once the task is open. Inviting again changes nothing "
        "and answers 200 with the existing invitation.",
        request=BidInvitationCreateSerializer,
        responses={
            201: BidInvitationSerializer,
            200: BidInvitationSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def invitations(self, request: Request, task_id: int) -> Response:
        task = self.own_task()
        serializer = BidInvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supplier = selectors.get_listed_supplier(organization_id=serializer.validated_data["supplier"])
        already = selectors.task_invitations(task=task).filter(supplier=supplier).exists()
        invitation = services.invite_supplier_to_bid(
            actor=acting_user(request), task=task, supplier=supplier, message=serializer.validated_data["message"]
        )
        return Response(
            BidInvitationSerializer(invitation).data, status=status.HTTP_200_OK if already else status.HTTP_201_CREATED
        )

    # --- files ---

    @attachments_endpoint(
        serializer=TaskAttachmentSerializer,
        tag="tasks",
        listing="List a task's files (whoever may see the task)",
        upload="Attach files to a draft or open task (the client)",
    )
    def attachments(self, request: Request, task_id: int) -> Response:
        context = self.get_serializer_context()
        if request.method == "POST":
            task = self.own_task()
            created = services.add_task_attachments(
                actor=acting_user(request), task=task, uploads=uploaded_files(request)
            )
            return Response(
                TaskAttachmentSerializer(created, many=True, context=context).data, status=status.HTTP_201_CREATED
            )
        task = selectors.get_task_for_viewer(task_id=task_id, organization=acting_organization(request))
        return Response(
            TaskAttachmentSerializer(selectors.task_attachments(task=task), many=True, context=context).data
        )

    @attachment_endpoint(
        tag="tasks",
        download="Download a task's file (whoever may see the task)",
        delete="Remove a file from a draft or open task (the client)",
    )
    def attachment(self, request: Request, task_id: int, attachment_id: int) -> Response | HttpResponse:
        if request.method == "DELETE":
            attachment = selectors.get_task_attachment(task=self.own_task(), attachment_id=attachment_id)
            services.remove_task_attachment(actor=acting_user(request), attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        task = selectors.get_task_for_viewer(task_id=task_id, organization=acting_organization(request))
        return serve_attachment(selectors.get_task_attachment(task=task, attachment_id=attachment_id))

    # --- bids on the task ---

    @extend_schema(
        methods=["GET"],
        summary="List the bids on a task (the client)",
        responses={200: BidSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["bids"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Bid on the task as the acting organization",
        description="One live bid per supplier and task: edit the existing one instead (409). Fixed-price "
        "bids need milestones adding up to `amount`.",
        request=BidWriteSerializer,
        responses={201: BidSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["bids"],
    )
    @action(detail=True, methods=["get", "post"], url_path="bids")
    @idempotent
    def bids(self, request: Request, task_id: int) -> Response:
        organization = acting_organization(request)
        context = self.get_serializer_context()
        if request.method == "POST":
            task = selectors.get_task_for_viewer(task_id=task_id, organization=organization)
            data = read_bid_terms(BidWriteSerializer(data=request.data), task=task)
            bid = services.submit_bid(actor=acting_user(request), supplier=organization, task=task, data=data)
            bid = selectors.get_bid(bid_id=bid.pk, organization=organization)
            return Response(BidSerializer(bid, context=context).data, status=status.HTTP_201_CREATED)
        task = self.own_task()
        bids = selectors.bids_on_own_task(task=task, organization=organization).prefetch_related("attachments")
        page = self.paginate_queryset(bids)
        return self.get_paginated_response(BidSerializer(page, many=True, context=context).data)

    # --- the comparison ---

    @extend_schema(
        methods=["GET"],
        summary="Compare the live bids (the client)",
        description=(
            "Every live bid scored 0-100 on price, geography, flexibility, communication and reputation, each "
            "with a one-line explanation; a factor without data has a null score and is left out of the total "
            "(the weighted average of the others). Weights: `?weights=price:3,geography:2` to try some without "
            "saving them, else the task's saved weights, else the defaults."
        ),
        parameters=[ComparisonParamsSerializer],
        responses={200: ComparisonSerializer, **error_responses(400, 401, 403, 404)},
        tags=["comparison"],
    )
    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="Save the comparison weights (the client)",
        description="PATCH changes the factors given; PUT sets all of them (factors left out go back to their "
        "default). Answers with the comparison under the saved weights.",
        request=WeightsSerializer,
        responses={200: ComparisonSerializer, **error_responses(400, 401, 403, 404)},
        tags=["comparison"],
    )
    @action(detail=True, methods=["get", "put", "patch"], url_path="comparison")
    def comparison(self, request: Request, task_id: int) -> Response:
        task = self.own_task()
        params = ComparisonParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        overrides = None
        if request.method in ("PUT", "PATCH"):
            serializer = WeightsSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            weights = serializer.validated_data["weights"]
            if request.method == "PUT":
                weights = {**comparison.DEFAULT_WEIGHTS, **weights}
            task = services.set_comparison_weights(actor=acting_user(request), task=task, weights=weights)
        else:
            overrides = _parse_weights(params.validated_data.get("weights", ""))
        result = comparison.compare_bids(task=task, weights=overrides, sort=params.validated_data["sort"])
        return Response(ComparisonSerializer(result).data)


def _parse_weights(text: str) -> dict[str, int] | None:
    """``price:3,geography:2`` -> {"price": 3, "geography": 2}; every bad part is reported."""
    if not text.strip():
        return None
    weights: dict[str, int] = {}
    problems: list[str] = []
    for part in text.split(","):
        name, _, value = part.strip().partition(":")
        name, value = name.strip(), value.strip()
        weight = int(value) if value.isdigit() and len(value) <= 2 else value
        problem = weight_problem(name, weight)
        if problem is not None:
            problems.append(problem if name not in comparison.FACTORS else f"{name}: {problem}")
        else:
            weights[name] = int(weight)
    if problems:
        raise Invalid({"weights": problems})
    return weights
