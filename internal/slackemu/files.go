package slackemu

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

const maxUpload = 64 << 20

func (e *Emulator) filesGetUploadURLExternal(r *apiReq) (result, *apiError) {
	name := r.get("filename")
	length, convErr := strconv.Atoi(r.get("length"))
	if name == "" || convErr != nil || length <= 0 {
		return nil, failMsg("invalid_arguments", "missing or invalid filename or length")
	}
	if length > maxUpload {
		return nil, fail("file_too_large")
	}
	f := &file{id: e.nextIDLocked("F"), name: name, title: name, user: e.opts.BotUserID, length: length}
	e.files[f.id] = f
	e.fileOrder = append(e.fileOrder, f.id)
	return result{"upload_url": e.srv.URL + "/upload/v1/" + f.id, "file_id": f.id}, nil
}

// serveUpload is the upload URL files.getUploadURLExternal hands out; it
// takes a multipart "file" field or a raw body, like Slack's.
func (e *Emulator) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	content, err := readUpload(r)
	if err != nil {
		http.Error(w, "bad upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	f, ok := e.files[id]
	if ok {
		f.content, f.uploaded = content, true
	}
	e.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content))
}

func readUpload(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, maxUpload)
	ctype, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ctype, "multipart/") {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}

func (e *Emulator) filesCompleteUploadExternal(r *apiReq) (result, *apiError) {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(r.get("files")), &summaries); err != nil || len(summaries) == 0 {
		return nil, failMsg("invalid_arguments", "files must be a non-empty JSON array")
	}
	var files []*file
	for _, s := range summaries {
		f, ok := e.files[s.ID]
		if !ok || !f.uploaded {
			return nil, fail("file_not_found")
		}
		if s.Title != "" {
			f.title = s.Title
		}
		files = append(files, f)
	}
	if r.get("channel_id") == "" && r.get("channels") != "" {
		r.params.Set("channel_id", strings.Split(r.get("channels"), ",")[0])
	}
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		out = append(out, map[string]any{"id": f.id, "title": f.title})
	}
	if r.get("channel_id") == "" {
		return result{"files": out}, nil // uploaded but private, as in Slack
	}
	ch, err := e.botChannel(r, "channel_id")
	if err != nil {
		return nil, err
	}
	m := &message{user: e.opts.BotUserID, botID: botID, text: r.get("initial_comment"), threadTS: r.get("thread_ts")}
	if raw := r.get("blocks"); raw != "" {
		if m.blocks, err = validateBlocks(raw, 50); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		f.channel, f.shared = ch.id, true
		m.files = append(m.files, f.id)
	}
	e.addMessageLocked(ch, m)
	e.emitBotLocked(ch, e.messageEvent(ch, m))
	return result{"files": out}, nil
}
