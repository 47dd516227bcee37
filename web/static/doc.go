// Package static embeds the console's CSS, JavaScript and icons.
package static
