"""The service's health: `GET /api/v1/health/`, for load balancers and monitors."""

from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

import policytracker
from options.api import serializers
from options.api.permissions import PublicRead


class HealthView(APIView):
    """Whether the service can reach its database, and its version. Answers 503 when the
    database is unreachable."""

    permission_classes = [PublicRead]

    @extend_schema(
        summary="Check the service's health",
        responses={
            200: serializers.HealthSerializer,
            503: OpenApiResponse(serializers.HealthSerializer, description="Database down."),
        },
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database_ok = True
        except Exception:  # any failure to reach the database means "unreachable"
            database_ok = False
        body = {
            "status": "ok" if database_ok else "unavailable",
            "database": "ok" if database_ok else "unreachable",
            "version": policytracker.__version__,
        }
        return Response(
            body, status=status.HTTP_200_OK if database_ok else status.HTTP_503_SERVICE_UNAVAILABLE
        )
