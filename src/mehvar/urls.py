from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mehvar.api.api import api
from mehvar.web import inbox as web_inbox
from mehvar.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("signin", auth_views.LoginView.as_view(
        template_name="web/account/signin.html", redirect_authenticated_user=True),
        name="signin"),
    path("signout", auth_views.LogoutView.as_view(), name="signout"),
    path("inbox", web_inbox.inbox, name="inbox"),
    path("account", web_views.account, name="account"),
    path("account/preferences", web_views.account_preferences, name="account-preferences"),
    path("account/password", auth_views.PasswordChangeView.as_view(
        template_name="web/account/password_change.html"), name="password_change"),
    path("account/password/done", auth_views.PasswordChangeDoneView.as_view(
        template_name="web/account/password_change_done.html"), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
