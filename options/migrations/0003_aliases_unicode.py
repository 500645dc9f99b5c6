from django.db import migrations, models

import options.models


def rewrite_aliases(apps, schema_editor):
    """Store the aliases already saved again, now without \\u escapes, so that search finds them."""
    Stakeholder = apps.get_model("options", "Stakeholder")
    for stakeholder in Stakeholder.objects.exclude(aliases=[]).only("aliases").iterator():
        stakeholder.save(update_fields=["aliases"])


class Migration(migrations.Migration):
    dependencies = [
        ("options", "0002_editors_group"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stakeholder",
            name="aliases",
            field=models.JSONField(
                blank=True,
                default=list,
                encoder=options.models.UnicodeJSONEncoder,
                help_text="Other names the stakeholder goes by, as a list.",
            ),
        ),
        migrations.RunPython(rewrite_aliases, migrations.RunPython.noop),
    ]
