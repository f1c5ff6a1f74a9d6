"""The header's 在线客服 link, for those who take chats."""

from kefu.chat.services import may_take_chats


def chat(request):
    user = getattr(request, "user", None)
    return {"can_take_chats": bool(user and user.is_authenticated and may_take_chats(user))}
