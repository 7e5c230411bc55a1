package config

// Version is libyawire's version, set at build time with
//
//	go build -ldflags "-X github.com/libyawire/libyawire/internal/config.Version=1.2.3"
var Version = "0.1.0-dev"
