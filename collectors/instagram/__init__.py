"""Instagram through instaloader: hashtag sections, tagged posts and the comments of chosen posts."""
