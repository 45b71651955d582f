"""Reddit through praw: the ``reddit.search`` collector and the reply helpers of the rights workflow."""
