"""Onboarding and welcome: welcome posts and DMs from templates, rules and the rules gate, join requests,
interests, newcomer nudges, and the newcomer journey with its funnel (SPEC §3 "Onboarding and welcome")."""
