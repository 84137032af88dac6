from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.pagination import COUNT_CAP, CappedPaginator


class StandardPagination(PageNumberPagination):
    """`{"count", "count_capped", "next", "previous", "results"}`, 50 a page, `?page_size=` up to 200.

    `count` is exact up to 10,000; above it is 10,000 and `count_capped` is true (counting a
    province's million children on every page is what made the list slow). Filter to get an
    exact count; follow `next` to read everything."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        return Response({"count": self.page.paginator.count, "count_capped": self.page.paginator.is_capped,
                         "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = f"Exact up to {COUNT_CAP:,}; {COUNT_CAP:,} above it."
        schema["properties"] = {"count": schema["properties"]["count"],
                                "count_capped": {"type": "boolean", "example": False, "description":
                                                 f"True when there are more than {COUNT_CAP:,} results."},
                                **schema["properties"]}
        schema["required"] = [*schema.get("required", []), "count_capped"]
        return schema
