import Telegram

/// Español, para todo `language_code` que empiece por `es`.
struct Spanish: TextTable {
    func help(_ model: ModelLine) -> String {
        """
        🎨 Convierto texto en imágenes con Stable Diffusion.

        Envíame una descripción (en un grupo: /generate <descripción>), por ejemplo:
        /generate un castillo al atardecer, pintura al óleo
        /generate un gato astronauta --negativo borroso, baja calidad --semilla 42 --pasos \(model.exampleSteps) --cfg \(model.exampleCFG) --tamaño 512x768 --sampler \(model.exampleSampler)

        Opciones (todas opcionales, después de la descripción):
        --negativo <texto>  lo que hay que evitar (prompt negativo; también --no)
        --semilla N   misma semilla + mismos ajustes = misma imagen; -1 = al azar
        --pasos N     más pasos: más lento, a menudo más fino
        --cfg X       cuánto seguir la descripción
        --tamaño AxB  múltiplos de 8
        --sampler S   \(model.samplers.joined(separator: ", ")) (también como en AUTOMATIC1111: "Euler a", DPM++ 2M Karras)
        También vale un bloque pegado de AUTOMATIC1111 (líneas Negative prompt: / Steps: …) o uno de mis pies de foto.

        ⚙️ Este modelo: \(Self.steps(model.steps)), CFG \(model.cfgText), sampler \(model.sampler), \(model.width)×\(model.height) por defecto (hasta \(Self.steps(model.maxSteps))).
        📏 \(Self.limits(model))
        💡 El modelo entiende mejor el inglés: si la imagen no se parece a lo que pides, prueba a describirla en inglés.

        Estilos: añade <lora:NOMBRE:0.8> a la descripción; /estilos los muestra.

        /status tus pedidos · /cancel detiene los que esperan o se dibujan · /quota lo que te queda hoy · /estilos estilos · /imagine = /generate
        /privacidad qué guardo de ti · /olvidar bórralo
        """
    }

    static func steps(_ count: Int) -> String {
        count == 1 ? "1 paso" : "\(count) pasos"
    }

    static func number(_ number: Int) -> String { NumberText.grouped(number, separator: ".") }

    /// /help's limits line; the quota part only when Ingest read it.
    static func limits(_ model: ModelLine) -> String {
        var text = "Límites: lados de hasta \(number(model.maxSide)) px, \(number(model.maxPixels)) píxeles en total"
        if let daily = model.dailyLimit, let queued = model.maxQueued {
            text += "; \(count(daily, "imagen", "imágenes")) al día, \(count(queued, "pedido", "pedidos")) esperando a la vez"
        }
        return text + "."
    }

    func queued(position: Int, remainingToday: Int) -> String {
        "⏳ En cola, posición \(English.position(position)).\n\(leftToday(remainingToday))"
    }

    func leftToday(_ remaining: Int) -> String {
        remaining == 1 ? "Te queda 1 hoy." : "Te quedan \(Self.number(remaining)) hoy."
    }

    func promptCut(_ cut: String) -> String {
        "⚠️ El modelo lee unos 75 tokens de la descripción; este final probablemente se ignorará: «\(cut)»"
    }

    func rejection(_ rejection: Rejection) -> String {
        switch rejection {
        case .emptyPrompt: "✏️ Dime qué dibujar, por ejemplo: /generate un faro en una tormenta"
        case .promptTooLong(let length, let max): "✂️ La descripción tiene \(length) caracteres; el límite es \(max)."
        case .unknownOption(let option): "❓ Opción desconocida \(option). Opciones: --negativo (o --no), --semilla, --pasos, --cfg, --tamaño, --sampler (ver /help)."
        case .missingValue(let option): "❓ \(option) necesita un valor, por ejemplo \(option) \(English.example(option))."
        case .invalidNumber(let option, let value): "🔢 \(option) debe ser un número, no «\(value)»."
        case .outOfRange(let option, let value, let min, let max): "🔢 \(option) \(value) está fuera de rango: usa de \(min) a \(max)."
        case .invalidSize(let value): "📐 El tamaño «\(value)» no es AxB, por ejemplo --size 512x768."
        case .sizeNotMultipleOf8(let width, let height): "📐 \(width)x\(height): ambos lados deben ser múltiplos de 8."
        case .sizeOutOfRange(let width, let height, let minSide, let maxSide, let maxPixels):
            "📐 \(width)x\(height) está fuera de límites: lados de \(minSide) a \(maxSide), como mucho \(Self.number(maxPixels)) píxeles en total."
        case .unknownSampler(let value, let known): "🧪 Sampler desconocido «\(value)». Elige uno de: \(known.joined(separator: ", "))."
        case .textAfterOption(let option, let value, let text):
            "❓ Después de \(option) «\(value)» no sé qué es «\(text)». Escribe primero la descripción y después las opciones; un nombre puede ir entre comillas: --sampler \"Euler a\"."
        case .invalidLoraTag(let tag): "🎨 No entiendo «\(tag)»: escribe <lora:NOMBRE> o <lora:NOMBRE:0.8>. /estilos muestra los estilos."
        case .unknownLora(let name): "🎨 No tengo ningún estilo llamado «\(name)». /estilos muestra los que puedes usar."
        case .tooManyLoras(_, 0): "🎨 Este bot no admite estilos (etiquetas <lora:…>)."
        case .tooManyLoras(let count, let max): "🎨 Esa descripción usa \(count) estilos; como mucho \(max) a la vez. Mira /estilos."
        case .loraWeightOutOfRange(let tag, let min, let max):
            "🎨 «\(tag)»: la fuerza de un estilo debe estar entre \(min) y \(max) (las etiquetas repetidas se suman). Mira /estilos."
        case .blockedPrompt: "🚫 No voy a dibujar eso: las normas de este bot no permiten ese tipo de imagen. Prueba con otra descripción."
        case .banned: "🚫 No puedes usar este bot."
        case .dailyLimit(let used, let limit): "📅 Has usado \(Self.number(used)) de \(Self.number(limit)) imágenes hoy. Vuelve mañana (UTC)."
        case .queueFull(let pending, let max): "🚦 Ya tienes \(Self.number(pending)) de \(Self.number(max)) pedidos esperando. Espera a que termine uno, o usa /cancel."
        case .jobUnavailable: "🗑️ Esa imagen ya no está disponible."
        case .imageUnavailable: "🗑️ Ya no se guarda el archivo original de esa imagen."
        case .imageExpired(let seconds) where seconds <= 0:
            "⌛ Esa imagen ha caducado: su archivo original no se guarda después de enviarla (ver /privacidad). 🎲 Otra semilla y ➕ Más pasos siguen funcionando."
        case .imageExpired(let seconds):
            "⌛ Esa imagen ha caducado: su archivo original se guarda \(Self.span(seconds)) después de enviarla (ver /privacidad). 🎲 Otra semilla y ➕ Más pasos siguen funcionando."
        case .notYourButton: "✋ Este botón es para quien pidió que lo olvidara."
        case .unknownButton: "❓ Ese botón no es mío."
        }
    }

    func status(_ lines: [JobStatusLine]) -> String {
        guard !lines.isEmpty else { return "📭 No tienes pedidos en curso." }
        return "📋 Tus pedidos:\n" + lines.map { line in
            switch line.state {
            case "queued": "\(line.label) — en cola, posición \(English.position(line.queuePosition))"
            case "rendering": "\(line.label) — dibujando, paso \(line.step)/\(line.steps)"
            default: "\(line.label) — terminado, enviando"
            }
        }.joined(separator: "\n")
    }

    func cancelled(count: Int, rendering: Int) -> String {
        guard count > 0 else { return "🤷 Nada que cancelar: ninguno de tus pedidos está esperando ni dibujándose." }
        var text = count == 1 ? "🛑 Cancelé 1 pedido." : "🛑 Cancelé \(count) pedidos."
        if rendering > 0 { text += rendering == 1 ? " El que se estaba dibujando se detiene ya." : " Los \(rendering) que se estaban dibujando se detienen ya." }
        return text
    }

    func quota(_ line: QuotaLine) -> String {
        if line.banned { return rejection(.banned) }
        let left = max(0, line.dailyLimit - line.usedToday)
        return "📊 Hoy: \(Self.number(line.usedToday)) de \(Self.number(line.dailyLimit)) usadas, te quedan \(Self.number(left)). "
            + "Esperando ahora: \(Self.number(line.pending)) de \(Self.number(line.maxQueued))."
    }

    func jobFailed(error: String) -> String {
        "😞 Lo siento, no se pudo hacer esa imagen (\(error)). Vuelve a intentarlo."
    }

    var imageBlocked: String {
        "🙈 El filtro de seguridad marcó esta imagen, así que no se envió. Prueba con otra descripción u otra semilla."
    }

    func unknownCommand(_ command: String) -> String {
        "❓ No conozco \(command). Prueba /help."
    }

    var stylesTitle: String { "🎨 Estilos que puedes añadir a una descripción:" }
    func moreStyles(_ count: Int) -> String { "… y \(count) más" }
    func stylesUsage(example name: String) -> String {
        "Añade uno como <lora:NOMBRE:0.8>, por ejemplo:\n/generate un mercado al amanecer <lora:\(name):0.8>\n"
            + "El número es su fuerza (1 si lo omites); se pueden combinar varios."
    }

    var noStyles: String { "🎨 Todavía no hay estilos para elegir." }

    static func span(_ seconds: Int) -> String {
        switch RetentionSpan(seconds: seconds) {
        case .days(let days): "\(days) días"
        case .hours(let hours): hours == 1 ? "1 hora" : "\(hours) horas"
        case .minutes(let minutes): minutes == 1 ? "1 minuto" : "\(minutes) minutos"
        }
    }

    func privacy(_ line: PrivacyLine) -> String {
        let images = line.keepImagesSeconds <= 0
            ? "• Tus imágenes: no se guardan una vez enviadas; solo quedan su huella (un hash) y su tamaño."
            : "• Tus imágenes: \(Self.span(line.keepImagesSeconds)) después de enviarlas, para 📄 Enviar como archivo. Después solo quedan su huella (un hash) y su tamaño."
        return """
        🔒 Qué guardo de ti, durante cuánto tiempo y para qué

        • Tus descripciones (y lo que pides evitar): \(Self.span(line.keepPromptsSeconds)), para que 🎲 Otra semilla y ➕ Más pasos puedan volver a dibujarlas. Después se borran.
        \(images)
        • Las vistas previas: solo mientras se dibuja la imagen.
        • Tu idioma y cuántas imágenes pides cada día: para las respuestas y el límite diario.

        Solo se usan para hacer y enviar tus imágenes, y los registros (logs) del bot nunca contienen tus descripciones.

        🧹 /olvidar borra ahora tus descripciones, imágenes y ajustes, y cancela tus pedidos en curso. Las fotos que ya están en este chat siguen en Telegram: bórralas allí.
        """
    }

    var forgetConfirm: String {
        """
        🧹 Esto borra para siempre lo que guardo de ti: tus descripciones, tus imágenes y vistas previas, y tus ajustes. Tus pedidos en curso se cancelan.

        Solo queda lo que necesitan los límites: cuántas imágenes pediste hoy (y un bloqueo, si lo hay). Las fotos que ya están en este chat siguen en Telegram.

        Pulsa el botón para confirmar.
        """
    }

    var forgetButton: String { "🗑️ Sí, borrar mis datos" }

    func forgotten(_ line: ForgetLine) -> String {
        if line.isEmpty { return "✅ Hecho: no me quedaba nada tuyo que borrar." }
        var parts = [Self.count(line.prompts, "descripción", "descripciones"), Self.count(line.images, "imagen", "imágenes")]
        if line.quotes > 0 { parts.append(Self.count(line.quotes, "respuesta que te citaba", "respuestas que te citaban")) }
        var text = "✅ Hecho. Borré " + Self.list(parts)
        if line.cancelled > 0 { text += ", cancelé " + Self.count(line.cancelled, "pedido en curso", "pedidos en curso") }
        // "…y 1 imagen, y olvidé…": the comma keeps the two "y" apart when nothing else does.
        if line.settings { text += (line.cancelled > 0 ? " y" : ", y") + " olvidé tus ajustes" }
        return text + "."
    }

    static func count(_ count: Int, _ one: String, _ many: String) -> String {
        count == 1 ? "1 \(one)" : "\(number(count)) \(many)"
    }

    static func list(_ parts: [String]) -> String {
        guard parts.count > 1, let last = parts.last else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " y " + last
    }

    func stats(_ line: StatsLine) -> String {
        var queue = "📈 Cola: \(Self.number(line.queued)) esperando"
        if line.queued > 0 { queue += " (la más antigua desde hace \(line.oldestQueuedAge))" }
        queue += ", \(Self.number(line.rendering)) dibujándose, \(Self.number(line.rendered)) dibujadas, \(Self.number(line.delivering)) enviándose."
        return queue
            + "\nEntregadas: \(Self.number(line.deliveredLastHour)) en la última hora, \(Self.number(line.deliveredLastDay)) en las últimas 24 horas."
            + "\nHoy (UTC): \(Self.count(line.usersToday, "usuario", "usuarios")), \(Self.count(line.failedToday, "fallida", "fallidas"))."
    }

    func adminDone(_ line: AdminLine) -> String {
        let user = "El usuario \(line.userID)"
        switch line.action {
        case .ban:
            guard line.changed else { return "🔨 \(user) ya estaba bloqueado." }
            var text = "🔨 \(user) queda bloqueado."
            if line.cancelled > 0 { text += " Cancelé " + Self.count(line.cancelled, "pedido en curso", "pedidos en curso") + "." }
            return text
        case .unban:
            return line.changed ? "🕊️ \(user) ya no está bloqueado." : "🕊️ \(user) no estaba bloqueado."
        case .quota:
            let daily = line.dailyLimit.map { Self.count($0, "imagen", "imágenes") + " al día" } ?? "el límite diario predeterminado"
            let queued = line.maxQueued.map { "\(Self.number($0)) esperando a la vez" } ?? "el límite de espera predeterminado"
            return "📏 \(user): \(daily), \(queued)."
        }
    }

    func adminUsage(_ usage: AdminUsage) -> String {
        switch usage {
        case .ban: "Uso: responde a un mensaje con /ban [motivo], o /ban <id de usuario> [motivo]."
        case .unban: "Uso: responde a un mensaje con /unban, o /unban <id de usuario>."
        case .quota:
            "Uso: /quota <id de usuario> <diario> <en espera>, o responde a un mensaje con /quota <diario> <en espera>. "
                + "Cada límite es un número de 0 a \(Self.number(AdminCommand.maxLimit)), o default."
        }
    }

    var notAllowed: String {
        "🔒 Este es un bot privado: solo atiende a las personas para las que se configuró. Pide a quien lo administra que te añada."
    }

    func statusMessage(_ key: StatusKey) -> String {
        switch key {
        case .queued: "⏳ En cola."
        case .rendering(let step, let steps), .preview(let step, let steps): "🎨 Dibujando… paso \(step)/\(steps)"
        case .rendered: "📤 Terminada, enviando…"
        case .delivered: "✅ Hecho."
        case .failed: "😞 Falló."
        case .cancelled: "🛑 Cancelado."
        }
    }

    var newSeedButton: String { "🎲 Otra semilla" }
    var moreStepsButton: String { "➕ Más pasos" }
    var sendAsFileButton: String { "📄 Enviar como archivo" }
    var buttonQueued: String { "En cola ⏳" }
    var buttonSendingFile: String { "Enviando el archivo 📄" }
    var buttonForgotten: String { "Borrado 🧹" }

    var commands: [BotCommand] {
        [
            BotCommand(command: "generate", description: "Dibuja una imagen: /generate <descripción> [--no …] [--seed N]…"),
            BotCommand(command: "imagine", description: "Igual que /generate"),
            BotCommand(command: "status", description: "Tus pedidos en curso"),
            BotCommand(command: "cancel", description: "Cancela tus pedidos en cola"),
            BotCommand(command: "quota", description: "Lo que te queda hoy"),
            BotCommand(command: "styles", description: "Estilos (LoRA) para tus descripciones; también /estilos"),
            BotCommand(command: "privacy", description: "Qué guarda el bot de ti y durante cuánto tiempo; también /privacidad"),
            BotCommand(command: "forget", description: "Borra tus descripciones, imágenes y ajustes; también /olvidar"),
            BotCommand(command: "help", description: "Cómo usar el bot"),
        ]
    }
}
