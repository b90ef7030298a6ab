from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mehvar.api.api import api
from mehvar.channels import views as channel_views
from mehvar.web import conversation as web_conversation
from mehvar.web import customer_merge as web_customer_merge
from mehvar.web import customers as web_customers
from mehvar.web import inbox as web_inbox
from mehvar.web import organizations as web_organizations
from mehvar.web import search as web_search
from mehvar.web import service as web_service
from mehvar.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("signin", auth_views.LoginView.as_view(
        template_name="web/account/signin.html", redirect_authenticated_user=True),
        name="signin"),
    path("signout", auth_views.LogoutView.as_view(), name="signout"),
    path("inbox", web_inbox.inbox, name="inbox"),
    path("search", web_search.search_page, name="search"),
    path("inbox/poll", web_inbox.inbox_poll, name="inbox-poll"),
    path("conversations/<int:conversation_id>", web_conversation.conversation_page,
         name="conversation"),
    path("conversations/<int:conversation_id>/poll", web_conversation.conversation_poll,
         name="conversation-poll"),
    path("conversations/<int:conversation_id>/messages", web_conversation.conversation_message,
         name="conversation-message"),
    path("conversations/<int:conversation_id>/properties",
         web_conversation.conversation_properties, name="conversation-properties"),
    path("conversations/<int:conversation_id>/attachments/<int:attachment_id>",
         web_conversation.conversation_attachment, name="conversation-attachment"),
    path("conversations/<int:conversation_id>/calls", web_conversation.conversation_call,
         name="conversation-calls"),
    path("conversations/<int:conversation_id>/deliveries/<int:delivery_id>/retry",
         web_conversation.conversation_delivery_retry, name="conversation-delivery-retry"),
    path("conversations/<int:conversation_id>/hand-off", web_service.hand_off,
         name="conversation-hand-off"),
    path("conversations/<int:conversation_id>/requests", web_service.internal_request,
         name="conversation-request"),
    path("account/availability", web_service.availability, name="availability"),
    path("channels/inbound", channel_views.envelope_list_page, name="channels-inbound"),
    path("channels/inbound/<int:envelope_id>", channel_views.envelope_page,
         name="channels-envelope"),
    path("channels/inbound/<int:envelope_id>/retry", channel_views.envelope_retry_action,
         name="channels-envelope-retry"),
    path("channels/mailboxes", channel_views.mailbox_list_page, name="channels-mailboxes"),
    path("channels/mailboxes/new", channel_views.mailbox_new, name="channels-mailbox-new"),
    path("channels/mailboxes/<int:mailbox_id>", channel_views.mailbox_edit,
         name="channels-mailbox"),
    path("customers", web_customers.customer_list_page, name="customers"),
    path("customers/new", web_customers.customer_new, name="customer-new"),
    path("customers/<int:customer_id>", web_customers.customer_page, name="customer"),
    path("customers/<int:customer_id>/edit", web_customers.customer_edit, name="customer-edit"),
    path("customers/<int:customer_id>/notes", web_customers.customer_notes,
         name="customer-notes"),
    path("customers/<int:customer_id>/identities", web_customers.customer_identity_add,
         name="customer-identity-add"),
    path("customers/<int:customer_id>/identities/<int:identity_id>/remove",
         web_customers.customer_identity_remove, name="customer-identity-remove"),
    path("customers/<int:customer_id>/duplicates", web_customer_merge.customer_duplicates_page,
         name="customer-duplicates"),
    path("customers/<int:source_id>/merge/<int:target_id>",
         web_customer_merge.customer_merge_page, name="customer-merge"),
    path("organizations", web_organizations.organization_list_page, name="organizations"),
    path("organizations/new", web_organizations.organization_new, name="organization-new"),
    path("organizations/options", web_customers.organization_options,
         name="organization-options"),
    path("organizations/<int:organization_id>", web_organizations.organization_page,
         name="organization"),
    path("organizations/<int:organization_id>/edit", web_organizations.organization_edit,
         name="organization-edit"),
    path("account", web_views.account, name="account"),
    path("account/preferences", web_views.account_preferences, name="account-preferences"),
    path("account/password", auth_views.PasswordChangeView.as_view(
        template_name="web/account/password_change.html"), name="password_change"),
    path("account/password/done", auth_views.PasswordChangeDoneView.as_view(
        template_name="web/account/password_change_done.html"), name="password_change_done"),
    path("hooks/", include("mehvar.channels.messaging.urls")),
    path("chat/", include("mehvar.channels.webchat.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
