package server

// alertRoutes registers its pages and API routes (filled in with the feature).
func (s *Server) alertRoutes() {}
