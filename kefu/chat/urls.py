from django.urls import path

from kefu.chat import views

urlpatterns = [
    path("widget.js", views.widget_js, name="chat-widget"),
    path("embed", views.embed, name="chat-embed"),
    path("embed/start", views.start, name="chat-start"),
    path("embed/message", views.leave_message, name="chat-leave-message"),
    path("console/", views.console, name="chat-console"),
    path("console/state", views.console_state, name="chat-console-state"),
    path("console/templates", views.console_templates, name="chat-console-templates"),
]
