from django.urls import path, register_converter

from installs.converters import IsoDateConverter
from installs.views import exports, weeks

register_converter(IsoDateConverter, "date")

app_name = "installs"

urlpatterns = [
    # The progress table (ranking page) and its official workbook.
    path("", weeks.home, name="home"),
    path("weeks/", weeks.week_pick, name="week_pick"),
    path("weeks/<date:date>/", weeks.week_detail, name="week_detail"),
    path("weeks/<date:date>/export.xlsx", exports.week_export, name="week_export"),
]
