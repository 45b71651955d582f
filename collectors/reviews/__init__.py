"""Reviews and feeds: RSS/Atom through feedparser, Apple's App Store review feed, Google Play reviews."""
