package server

// scheduleRoutes registers its pages and API routes (filled in with the feature).
func (s *Server) scheduleRoutes() {}
