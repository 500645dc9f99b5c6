"""The receiver that refuses deletes, queryset deletes included, of an object that others
still refer to through a many-to-many field (`TimeStampedModel.delete` checks its own).

The package imports this module last, after every model: the receiver is connected after
simple-history's own pre_delete receivers, and runs after them, as it always has."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from options.models.base import refuse_delete_if_referenced


@receiver(pre_delete)
def refuse_delete_of_referenced(sender, instance, **kwargs):
    """Refuse to delete an object that others still refer to through a many-to-many field."""
    if sender._meta.app_label == "options" and not sender._meta.auto_created:
        refuse_delete_if_referenced(instance)
