"""The standalone host: the same widget app served as a page from a thread inside the kernel."""
