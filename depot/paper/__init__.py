"""Paper for the depot: pickup slips, driver manifests and the round maps on them."""
