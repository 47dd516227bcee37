package server

// retentionRoutes registers its pages and API routes (filled in with the feature).
func (s *Server) retentionRoutes() {}
