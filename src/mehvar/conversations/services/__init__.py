"""Writes of the conversations context, by sub-domain (import from the defining module):

- `services.conversations`: conversation_create, conversation_assign, conversation_set_status,
  conversation_set_priority, conversation_set_tags, conversation_update;
- `services.messages`: message_add, message_add_from_customer, attachment_add,
  attachment_check_size, AttachmentUpload;
- `services.validation` and `services.common`: the checks and row helpers they share.
"""
