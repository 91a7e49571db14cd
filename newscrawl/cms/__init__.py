"""Page layouts of the CMSs that serve more than one outlet, declared once: an outlet's
spider takes its family's layout and adds only what differs (``Layout.extend``)."""
