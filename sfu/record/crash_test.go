package record

const crashChildEnv = "PIIRI_RECORD_CRASH_CHILD"

func crashChild(dir string) {}
