"""The common kinds of outsourced work, with a starter vocabulary of skills."""

from django.db import migrations
from django.utils.text import slugify

CATEGORIES = [
    ("Accounting and bookkeeping", "Books, VAT returns, year-end accounts.",
     ["Bookkeeping", "VAT returns", "Year-end accounts", "Xero", "QuickBooks", "DATEV"]),
    ("Payroll", "Monthly payroll runs, payslips, filings.",
     ["Payroll", "Payslips", "Pension filings", "Employment tax"]),
    ("Cleaning and facilities", "Office cleaning, maintenance, facilities management.",
     ["Office cleaning", "Deep cleaning", "Facilities management", "Window cleaning"]),
    ("IT maintenance and support", "Help desk, devices, networks, backups.",
     ["Help desk", "Microsoft 365", "Networking", "Backups", "Device management"]),
    ("Software development", "Web and mobile apps, integrations, maintenance.",
     ["Python", "Django", "JavaScript", "React", "Mobile apps", "API integration", "PostgreSQL"]),
    ("Design", "Brand identity, UI and UX, print.",
     ["Logo design", "Brand identity", "UI design", "UX research", "Illustration", "Figma"]),
    ("Marketing", "Campaigns, SEO, social media, analytics.",
     ["SEO", "Google Ads", "Social media", "Email marketing", "Analytics"]),
    ("Writing and translation", "Copy, documentation, translation, proofreading.",
     ["Copywriting", "Technical writing", "Translation", "Proofreading"]),
    ("Legal", "Contracts, compliance, company formation.",
     ["Contract review", "GDPR compliance", "Company formation", "Employment law"]),
    ("Administrative support", "Virtual assistance, data entry, scheduling.",
     ["Virtual assistant", "Data entry", "Scheduling", "Research"]),
    ("Customer service", "Support desks, phone and chat, outsourced call centres.",
     ["Customer support", "Phone support", "Live chat", "Zendesk"]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    Skill = apps.get_model("marketplace", "Skill")
    for position, (name, description, skills) in enumerate(CATEGORIES):
        category, _ = Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description, "position": position}
        )
        for skill in skills:
            Skill.objects.get_or_create(slug=slugify(skill), defaults={"name": skill, "category": category})


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
