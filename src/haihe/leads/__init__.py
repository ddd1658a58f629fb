"""Investment leads (招商线索): from a chain gap to a signed cooperation project."""
