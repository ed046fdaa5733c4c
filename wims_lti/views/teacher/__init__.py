"""The teachers' pages inside the LMS iframe (course linking, activities, grades)."""
