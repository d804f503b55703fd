"""The account list as DRF served it before its lean read path: the serializer, the
paginator's count and page queries, and DRF's JSON renderer. Kept as the reference the lean
path must match byte for byte (test_account_list_bytes) and as the baseline of
bench/list_read_path.py. Mounted beside the real list, at /social/reference-accounts."""

from django.urls import include, path
from rest_framework.views import APIView

from accounts import selectors
from accounts.apis import _filter_kwargs
from accounts.serializers import SocialAccountFilterSerializer, SocialAccountWithStatsSerializer
from vchata_social.pagination import EnvelopeLimitOffsetPagination
from vchata_social.urls import handler400, handler403, handler404, handler500  # noqa: F401
from vchata_social.urls import urlpatterns as api_urlpatterns

REFERENCE_LIST_PATH = "/social/reference-accounts"


class ReferenceSocialAccountListApi(APIView):
    def get(self, request):
        filters = SocialAccountFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        accounts = selectors.social_account_list(
            organization=request.auth.organization, **_filter_kwargs(filters.validated_data)
        )
        paginator = EnvelopeLimitOffsetPagination()
        page = paginator.paginate_queryset(accounts, request, view=self)
        return paginator.envelope_response(
            "socialAccounts",
            SocialAccountWithStatsSerializer(page, many=True).data,
            "Social accounts retrieved successfully",
        )


urlpatterns = [
    path(REFERENCE_LIST_PATH.lstrip("/"), ReferenceSocialAccountListApi.as_view()),
    path("", include(api_urlpatterns)),
]
