package io.ringfile.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Opening a file. */
@Name("io.ringfile.FileOpen")
@Label("File Open")
@Description("Opening a file, by a Ringfile engine")
public final class FileOpenEvent extends OperationEvent {
}
