"""Billing: Stripe checkout, subscriptions, seats and the webhook."""
